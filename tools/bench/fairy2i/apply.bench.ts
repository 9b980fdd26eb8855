// Fairy2i packed apply vs dense f32 matvec/matmul, batch 1 and 16, for 4096×4096 and 11008×4096 (out × in), T = 2,
// in one run: our WebAssembly SIMD packed kernel (fairy2iPrepare), our TypeScript packed kernel, our f32 GEMV/GEMM
// (@lr/svd gemv/gemm when exported, else a plain TS f32 loop, labelled), numpy sgemm (OpenBLAS) on the same shapes,
// and on WebGPU fairy2iApplyGpu vs @lr/kernels-gpu gemmGpu (timed on a hardware adapter; on a software adapter such as
// lavapipe one call each, checked against the CPU result and labelled: a correctness run, not a speed figure).
// Prints the weight bytes read per apply. LR_BENCH_QUICK=1: 4096×4096 only, fewer runs.
import * as svd from '@lr/svd'
import * as E from 'fp-ts/lib/Either.js'
import { fairy2iQuantize, fairy2iPrepare, fairy2iApply, fairy2iUploadGpu, fairy2iApplyGpu } from '@lr/quant-complex'
import { createGpuContext, gemmGpuMat, uploadMat, downloadMat } from '@lr/kernels-gpu'
import { create } from 'webgpu'
import { medianMs, numpyTimes, row } from '../numpyRef.ts'

type M = { data: Float32Array; shape: [number, number]; stride: [number, number]; offset: number }
const quick = process.env['LR_BENCH_QUICK'] === '1'
const shapes: [number, number][] = quick ? [[4096, 4096]] : [[4096, 4096], [11008, 4096]]
const T = 2
const rand = (len: number, seed: number): Float32Array => {
  let s = seed >>> 0 || 1
  const a = new Float32Array(len)
  for (let i = 0; i < len; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; a[i] = s / 2 ** 31 - 1 }
  return a
}
const mat = (data: Float32Array, r: number, c: number): M => ({ data, shape: [r, c], stride: [c, 1], offset: 0 })

// Our dense f32 baseline: @lr/svd's gemv/gemm when the package exports them, else a plain TS loop (named in the output).
const lib = svd as unknown as Record<string, unknown>
const svdGemm = typeof lib['gemm'] === 'function' ? lib['gemm'] as (a: M, b: M, o: { checkFinite: boolean }) => M : undefined
const svdGemv = typeof lib['gemv'] === 'function' ? lib['gemv'] as (a: M, x: Float32Array, o: { checkFinite: boolean }) => Float32Array : undefined
const cpu = typeof lib['cpuInfo'] === 'function' ? (lib['cpuInfo'] as () => { kernel: string; threads: number })() : undefined
const denseName = svdGemm ? `@lr/svd gemv/gemm (${cpu ? `${cpu.kernel}, ${cpu.threads} threads` : ''}; the packed kernels use 1 thread)` : 'TS f32 loop'
const denseApply = (a: M, x: M, batch: number): unknown => {
  if (batch === 1 && svdGemv) return svdGemv(a, x.data, { checkFinite: false })
  if (svdGemm) return svdGemm(x, svd.transpose(a) as M, { checkFinite: false })
  const [R, C] = a.shape, y = new Float32Array(batch * R), A = a.data, X = x.data
  for (let b = 0; b < batch; b++) for (let i = 0; i < R; i++) {
    let s = 0
    const o = i * C, xo = b * C
    for (let k = 0; k < C; k++) s += A[o + k]! * X[xo + k]!
    y[b * R + i] = s
  }
  return y
}

const gpuCtx = await createGpuContext(create([]))()
const ctx = E.isRight(gpuCtx) ? gpuCtx.right : undefined
const gpuLabel = ctx ? `${ctx.adapterInfo.description.split(':')[0]}${ctx.adapterInfo.isSoftware ? ' (software: lavapipe, a CPU)' : ''}` : `none (${E.isLeft(gpuCtx) ? gpuCtx.left.message : ''})`
console.log(`fairy2i packed apply, T=${T}; dense baseline: ${denseName}; GPU: ${gpuLabel}; median ms of N runs after a warm-up`)
console.log(row(['shape', 'batch', 'weight MB f32', 'packed MB', 'f32 ms', 'numpy ms', 'simd ms', 'ts ms', 'f32/simd', 'numpy/simd']))
const gpuRows: (string | number)[][] = []
for (const [R, C] of shapes) {
  const a = mat(rand(R * C, R + C), R, C)
  const p = fairy2iQuantize(a, { stages: T, checkFinite: false })
  const layer = fairy2iPrepare(p)
  const packedBytes = p.stages.reduce((s, st) => s + st.u.codes.byteLength + st.w.codes.byteLength + 16, 0)
  for (const batch of [1, 4, 16]) {
    const x = mat(rand(batch * C, batch), batch, C)
    const runs = quick ? 3 : batch === 1 ? 9 : 3
    const f32 = medianMs(() => denseApply(a, x, batch), runs)
    const simd = medianMs(() => fairy2iApply(layer, x, { checkFinite: false }), runs)
    const ts = batch === 1 ? medianMs(() => fairy2iApply(p, x, { checkFinite: false }), 3) : NaN
    const [np] = numpyTimes([{ op: 'sgemm', m: R, k: C, n: batch, runs }])
    console.log(row([`${R}x${C}`, batch, (R * C * 4) / 1e6, packedBytes / 1e6, f32, np!, simd, ts, f32 / simd, np! / simd]))
    if (ctx) {
      const g = await fairy2iUploadGpu(ctx, p)()
      if (E.isLeft(g)) throw g.left
      // Correctness on every adapter: the GPU result against the CPU packed result (max |Δ| / max |y|).
      const yCpu = fairy2iApply(layer, x, { checkFinite: false }).data
      const t0 = performance.now()
      const yg = await fairy2iApplyGpu(ctx, g.right, x)()
      const firstMs = performance.now() - t0
      if (E.isLeft(yg)) throw yg.left
      let dmax = 0, ymax = 0
      for (let i = 0; i < yCpu.length; i++) { dmax = Math.max(dmax, Math.abs(yg.right.data[i]! - yCpu[i]!)); ymax = Math.max(ymax, Math.abs(yCpu[i]!)) }
      if (ctx.adapterInfo.isSoftware) {
        // lavapipe runs the shader on this CPU: one call, a correctness run, not a speed figure.
        gpuRows.push([`${R}x${C}`, batch, '-', firstMs, '-', dmax / ymax])
      } else {
        const gRuns = batch === 1 ? 9 : 5
        const gpuPacked = await medianAsync(async () => { const r = await fairy2iApplyGpu(ctx, g.right, x)(); if (E.isLeft(r)) throw r.left }, gRuns)
        const ag = await uploadMat(ctx, a)() // the dense weight stays resident, as the packed codes do
        if (E.isLeft(ag)) throw ag.left
        const gpuDense = await medianAsync(async () => { // Yᵀ = A·Xᵀ: upload Xᵀ, multiply, read back
          const xg = await uploadMat(ctx, svd.transpose(x))(); if (E.isLeft(xg)) throw xg.left
          const yd = await gemmGpuMat(ctx, ag.right, xg.right)(); if (E.isLeft(yd)) throw yd.left
          const y = await downloadMat(ctx, yd.right)(); if (E.isLeft(y)) throw y.left
          xg.right.destroy(); yd.right.destroy()
        }, gRuns)
        ag.right.destroy()
        gpuRows.push([`${R}x${C}`, batch, gpuDense, gpuPacked, gpuDense / gpuPacked, dmax / ymax])
      }
      g.right.destroy()
    }
  }
}
if (ctx) {
  console.log(ctx.adapterInfo.isSoftware
    ? `\nWebGPU on ${gpuLabel}: a correctness run only (the shader runs on this CPU; one call each, NOT a speed figure)`
    : `\nWebGPU on ${gpuLabel} (weights resident; each call uploads x and reads y back; median ms)`)
  console.log(row(['shape', 'batch', 'gemmGpu ms', 'packed ms', 'gemm/packed', 'max|gpu-cpu|/max|y|']))
  for (const r of gpuRows) console.log(row(r))
  ctx.destroy()
}

async function medianAsync(fn: () => Promise<void>, runs: number): Promise<number> {
  await fn()
  const ts: number[] = []
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); await fn(); ts.push(performance.now() - t0) }
  ts.sort((x, y) => x - y)
  return ts[Math.floor(ts.length / 2)]!
}
