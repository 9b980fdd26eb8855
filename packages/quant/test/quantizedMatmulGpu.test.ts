import t, { type Test } from 'tap'
import { create } from 'webgpu'
import { matrix, type Mat } from '@lr/svd'
import { createGpuContext, type GpuContext } from '@lr/kernels-gpu'
import { dequantize, quantizeIntK, quantizeNf4, quantizedMatmul, quantizedMatmulGpu, uploadQuantized, type Quantized } from '../src/index.js'
import { colMajorWithOffset, randMat } from './helpers.js'

// The GPU decodes each weight exactly as the CPU does (one f32 rounding of (q − z)·s or codebook·absmax) and sums
// `in` products in f32 with fma: each partial sum rounds once, so |y_gpu − y_ref| ≤ (in + 1)·u·Σ|x|·|ŵ|, u = 2⁻²⁴
// (the reference accumulates in f64 and rounds once to f32 at the end: the + 1).
const U = 2 ** -24
const boundFactor = (inDim: number): number => (inDim + 1) * U

/** Opens a GPU context (lavapipe in CI) or fails the test: GPU tests fail, never skip, without an adapter. */
const openContext = async (t: Test): Promise<GpuContext> => {
  const r = await createGpuContext(create([]))()
  if (r._tag === 'Left') { t.fail(`no GPU context: ${r.left.message}`); throw r.left }
  t.teardown(() => r.right.destroy())
  return r.right
}

/** Largest |got − ref| / Σ|x|·|ŵ| over all outputs. */
const scaledError = (x: Mat<Float32Array>, q: Quantized, got: Float32Array, ref: Float32Array): number => {
  const d = dequantize(q), [n, inDim] = x.shape, outDim = q.shape[0]
  let worst = 0
  for (let r = 0; r < n; r++) for (let o = 0; o < outDim; o++) {
    let mag = 0
    for (let j = 0; j < inDim; j++) mag += Math.abs(x.data[r * inDim + j]! * d.data[o * inDim + j]!)
    const e = Math.abs(got[r * outDim + o]! - ref[r * outDim + o]!) / Math.max(mag, 1e-30)
    if (!(e <= worst)) worst = e
  }
  return worst
}

t.test('int-k, k = 2…8, symmetric and asymmetric, group sizes 32/64/128, odd batch sizes: GPU = CPU quantizedMatmul', async (t) => {
  const ctx = await openContext(t)
  const OUT = 19, IN = 150 // IN not a multiple of any group size or of the 16-wide tile: short last groups
  const w = randMat(OUT, IN, 11)
  let case_ = 0
  for (let bits = 2; bits <= 8; bits++) for (const isSymmetric of [true, false]) for (const groupSize of [32, 64, 128]) {
    const n = [1, 3, 17][case_++ % 3]!
    const x = randMat(n, IN, 100 + case_)
    const q = quantizeIntK(w, { bits, groupSize, isSymmetric })
    const r = await quantizedMatmulGpu(ctx, x, q)()
    if (r._tag === 'Left') { t.fail(`${bits} bits: ${r.left.message}`); continue }
    t.same(r.right.shape, [n, OUT])
    const err = scaledError(x, q, r.right.data, quantizedMatmul(x, q).data)
    t.ok(err <= boundFactor(IN), `int${bits} ${isSymmetric ? 'sym' : 'asym'} g${groupSize} n=${n}: ${err.toExponential(2)}`)
  }
})

t.test('NF4 (blocks of 64, and 32/128; blocks straddle rows), strided x, resident weight', async (t) => {
  const ctx = await openContext(t)
  for (const [OUT, IN] of [[21, 96], [5, 33]] as const) for (const blockSize of [64, 32, 128]) {
    const w = randMat(OUT, IN, OUT + blockSize), q = quantizeNf4(w, { blockSize })
    for (const n of [1, 5, 33]) {
      const x = randMat(n, IN, n * 7 + blockSize)
      const r = await quantizedMatmulGpu(ctx, colMajorWithOffset(x), q)()
      if (r._tag === 'Left') { t.fail(r.left.message); continue }
      const err = scaledError(x, q, r.right.data, quantizedMatmul(x, q).data)
      t.ok(err <= boundFactor(IN), `nf4 ${OUT}x${IN} b${blockSize} n=${n} (column-major x with offset): ${err.toExponential(2)}`)
    }
  }
  const w = randMat(40, 64, 5), q = quantizeIntK(w, { bits: 3, groupSize: 32 })
  const gw = await uploadQuantized(ctx, q)()
  if (gw._tag === 'Left') return t.fail(gw.left.message)
  const x = randMat(7, 64, 6)
  const a = await quantizedMatmulGpu(ctx, x, gw.right)(), b = await quantizedMatmulGpu(ctx, matrix(Float64Array.from(x.data), 7, 64), q)()
  if (a._tag === 'Left' || b._tag === 'Left') return t.fail('resident / f64 product')
  t.same(Array.from(a.right.data), Array.from(b.right.data), 'resident weight and f64 x (rounded to f32) give the same bits')
  gw.right.destroy()
  const gone = await quantizedMatmulGpu(ctx, x, gw.right)()
  t.equal(gone._tag === 'Left' && gone.left._tag, 'InvalidArgument', 'destroyed weight')
  t.equal(ctx.stats().liveBuffers, ctx.stats().pooledBuffers, 'every buffer released (only pooled readback buffers stay)')
})

t.test('bad input gives tagged errors', async (t) => {
  const ctx = await openContext(t)
  const q = quantizeNf4(randMat(4, 64, 1))
  const tag = async (x: Mat, qq: Quantized): Promise<string | undefined> => {
    const r = await quantizedMatmulGpu(ctx, x, qq)()
    return r._tag === 'Left' ? r.left._tag : undefined
  }
  t.equal(await tag(randMat(2, 63, 1), q), 'ShapeMismatch')
  const bad = randMat(2, 64, 1); bad.data[5] = NaN
  t.equal(await tag(bad, q), 'NotFinite')
  t.equal(await tag(randMat(2, 64, 1), { ...q, absmax: q.absmax.subarray(1) }), 'InvalidArgument', 'absmax too short')
  const qi = quantizeIntK(randMat(4, 64, 2), { bits: 4, groupSize: 32 })
  t.equal(await tag(randMat(2, 64, 1), { ...qi, codes: qi.codes.subarray(0, 10) }), 'InvalidArgument', 'codes too short')
  t.equal(await tag(randMat(2, 64, 1), { ...qi, scales: qi.scales.subarray(1) }), 'InvalidArgument', 'scales too short')
  const empty = await quantizedMatmulGpu(ctx, randMat(0, 64, 1), q)()
  t.same(empty._tag === 'Right' && empty.right.shape, [0, 4], 'n = 0 gives an empty result')
})

t.test('no adapter: a clear NoAdapter error', async (t) => {
  const noGpu = { requestAdapter: async () => null } as unknown as GPU
  const r = await createGpuContext(noGpu)()
  t.equal(r._tag === 'Left' && r.left._tag, 'NoAdapter')
  t.match(r._tag === 'Left' ? r.left.message : '', /no WebGPU adapter.*--device cpu/)
  const ctx = await openContext(t)
  ctx.destroy()
  const d = await quantizedMatmulGpu(ctx, randMat(1, 64, 1), quantizeNf4(randMat(2, 64, 1)))()
  t.equal(d._tag === 'Left' && d.left._tag, 'InvalidArgument', 'a destroyed context')
})
