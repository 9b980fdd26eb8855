import t from 'tap'
import { packedMatmulGpu, uploadPackedWeight, type PackedWeight } from '../src/index.js'
import { maxScaledError, openContext, randomMat } from './helpers.js'

// Independent decoder of the two layouts, written bit by bit from their definitions (not from @lr/quant).
const LEVELS = Float32Array.from([-1, -0.75, -0.5, -0.4, -0.3, -0.2, -0.1, 0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1])
const decode = (w: PackedWeight): Float64Array => {
  const [rows, cols] = w.shape, out = new Float64Array(rows * cols)
  for (let i = 0; i < rows * cols; i++) {
    if (w.format === 'int') {
      let q = 0
      for (let b = 0; b < w.bits; b++) { const pos = i * w.bits + b; q |= ((w.codes[pos >> 3]! >> (pos & 7)) & 1) << b }
      const g = Math.floor(i / cols) * Math.ceil(cols / w.groupSize) + Math.floor((i % cols) / w.groupSize)
      out[i] = Math.fround((q - w.zeros[g]!) * w.scales[g]!)
    } else {
      const byte = w.codes[i >> 1]!, q = i % 2 === 0 ? byte >> 4 : byte & 15
      out[i] = Math.fround(w.codebook[q]! * w.absmax[Math.floor(i / w.blockSize)]!)
    }
  }
  return out
}
/** Random packed weight: random code bytes, scales in [0.5, 1.5), zero points < 2^bits. */
const randomPacked = (format: 'int' | 'codebook4', rows: number, cols: number, bits: number, group: number, seed: number): PackedWeight => {
  const r = randomMat(1, rows * cols + 64, seed).data, byte = (i: number) => Math.floor((r[i % r.length]! + 1) * 128) & 255
  if (format === 'int') {
    const gpr = Math.ceil(cols / group)
    return { format, bits, groupSize: group, shape: [rows, cols], codes: Uint8Array.from({ length: Math.ceil((rows * cols * bits) / 8) }, (_, i) => byte(i)),
      scales: Float32Array.from({ length: rows * gpr }, (_, i) => 1 + r[i]! / 2), zeros: Uint8Array.from({ length: rows * gpr }, (_, i) => byte(i + 7) % (1 << bits)) }
  }
  return { format, blockSize: group, shape: [rows, cols], codes: Uint8Array.from({ length: Math.ceil((rows * cols) / 2) }, (_, i) => byte(i)),
    absmax: Float32Array.from({ length: Math.ceil((rows * cols) / group) }, (_, i) => 1 + r[i]! / 2), codebook: LEVELS }
}

// f32 accumulation of `cols` products in order (fma): |error| ≤ cols·u·Σ|x|·|ŵ|, u = 2⁻²⁴; + 1 for the final comparison
const bound = (cols: number): number => (cols + 1) * 2 ** -24

t.test('packedMatmulGpu = x·decode(w)ᵀ for int-k 1…8 (codes straddling u32 words) and 4-bit codebooks', async (t) => {
  const ctx = await openContext(t)
  const cases: [('int' | 'codebook4'), number, number, number, number][] = []
  for (let bits = 1; bits <= 8; bits++) cases.push(['int', 13, 37, bits, bits % 2 ? 16 : 7])
  cases.push(['codebook4', 9, 40, 4, 64], ['codebook4', 17, 31, 4, 5])
  for (const [format, rows, cols, bits, group] of cases) {
    const w = randomPacked(format, rows, cols, bits, group, rows * cols + bits)
    const gw = await uploadPackedWeight(ctx, w)()
    if (gw._tag === 'Left') { t.fail(gw.left.message); continue }
    for (const n of [1, 18]) {
      const x = randomMat(n, cols, n + bits)
      const y = await packedMatmulGpu(ctx, gw.right, x)()
      if (y._tag === 'Left') { t.fail(y.left.message); continue }
      const d = decode(w), want = new Float64Array(n * rows), mag = new Float64Array(n * rows)
      for (let i = 0; i < n; i++) for (let o = 0; o < rows; o++) for (let j = 0; j < cols; j++) {
        const p = x.data[i * cols + j]! * d[o * cols + j]!
        want[i * rows + o]! += p; mag[i * rows + o]! += Math.abs(p)
      }
      const err = maxScaledError(y.right, want, mag)
      t.ok(err <= bound(cols), `${format} k=${bits} group ${group} ${rows}x${cols} n=${n}: ${err.toExponential(2)}`)
    }
    gw.right.destroy()
  }
  t.equal(ctx.stats().liveBuffers, ctx.stats().pooledBuffers, 'every buffer released')
})

t.test('a batch larger than one storage binding runs in row chunks with the same bits', async (t) => {
  const ctx = await openContext(t)
  const w = randomPacked('int', 24, 40, 5, 16, 3), x = randomMat(50, 40, 4)
  const gw = await uploadPackedWeight(ctx, w)()
  if (gw._tag === 'Left') return t.fail(gw.left.message)
  // a context that reports 1 KiB bindings: 6 rows of x (40 f32) per chunk, 9 chunks
  const small = { ...ctx, limits: { ...ctx.limits, maxStorageBufferBindingSize: 1024 } }
  const whole = await packedMatmulGpu(ctx, gw.right, x)(), chunked = await packedMatmulGpu(small, gw.right, x)()
  if (whole._tag === 'Left' || chunked._tag === 'Left') return t.fail('product')
  t.same(Array.from(chunked.right.data), Array.from(whole.right.data), 'chunked = one dispatch, bit for bit')
  gw.right.destroy()
  t.equal(ctx.stats().liveBuffers, ctx.stats().pooledBuffers, 'every chunk released')
})

t.test('bad packed weights and shapes', async (t) => {
  const ctx = await openContext(t)
  const w = randomPacked('int', 4, 32, 4, 16, 1)
  const tag = async (bad: PackedWeight) => { const r = await uploadPackedWeight(ctx, bad)(); return r._tag === 'Left' ? r.left._tag : 'Right' }
  t.equal(await tag({ ...w, bits: 9 } as PackedWeight), 'InvalidArgument')
  t.equal(await tag({ ...w, groupSize: 0 } as PackedWeight), 'InvalidArgument')
  t.equal(await tag({ ...w, codes: w.codes.subarray(1) } as PackedWeight), 'InvalidArgument')
  t.equal(await tag({ ...w, zeros: w.zeros.subarray(1) } as PackedWeight), 'InvalidArgument')
  t.equal(await tag({ ...randomPacked('codebook4', 4, 32, 4, 64, 2), codebook: new Float32Array(15) } as PackedWeight), 'InvalidArgument')
  const gw = await uploadPackedWeight(ctx, w)()
  if (gw._tag === 'Left') return t.fail(gw.left.message)
  const r = await packedMatmulGpu(ctx, gw.right, randomMat(2, 31, 1))()
  t.equal(r._tag === 'Left' && r.left._tag, 'ShapeMismatch')
  gw.right.destroy()
  const d = await packedMatmulGpu(ctx, gw.right, randomMat(2, 32, 1))()
  t.equal(d._tag === 'Left' && d.left._tag, 'InvalidArgument', 'destroyed weight')
})
