// GPU benchmark: our WebGPU kernels beside torch measured in the same run (tools/bench/gpu/torchRef.py).
// LR_BENCH_QUICK=1: small sizes (lavapipe, CI). Usage: node tools/bench/gpu/gpu.bench.ts [--sizes 1024,2048,4096,8192] [--tall 4096x4096x64,11008x4096x128] [--svd 4096] [--runs 10] [--json]
// Prints: op  shape  ours_ms  torch_ms  ratio(ours/torch)  ours_GFLOP/s  torch_GFLOP/s.  GEMM times are on
// resident operands (upload once; each run = submit + wait), as torch's are on device tensors.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { create } from 'webgpu'
import { createGpuContext, downloadMat, gemmGpuMat, randomizedSvdGpu, uploadMat, type GpuContext, type GpuMat } from '@lr/kernels-gpu'
import { fairy2iApplyGpu, fairy2iQuantize, fairy2iUploadGpu } from '@lr/quant-complex'

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? process.argv[i + 1]! : def
}
const quick = process.env['LR_BENCH_QUICK'] === '1'
const sizes = arg('sizes', quick ? '256,512' : '1024,2048,4096,8192').split(',').filter(Boolean).map(Number)
const tall = arg('tall', quick ? '1024x1024x64,2752x1024x128' : '4096x4096x64,11008x4096x128').split(',').filter(Boolean).map((s) => s.split('x').map(Number) as [number, number, number])
const svdN = Number(arg('svd', quick ? '512' : '4096'))
const runs = Number(arg('runs', quick ? '3' : '10'))
// Fairy2i (issue #8) packed apply vs our dense f32 product, batch 1 and 16: each call uploads x and reads y back (the
// fairy2iApplyGpu API), the dense run does the same around a resident-weight GEMM; torch's a @ x is device-resident.
const fairy = arg('fairy2i', quick ? '512x512' : '4096x4096,11008x4096').split(',').filter(Boolean).map((s) => s.split('x').map(Number) as [number, number])
const asJson = process.argv.includes('--json')

const unwrap = async <A>(t: () => Promise<{ _tag: 'Left'; left: Error } | { _tag: 'Right'; right: A }>): Promise<A> => {
  const r = await t()
  if (r._tag === 'Left') throw r.left
  return r.right
}
const medianAsync = async (fn: () => Promise<unknown>, n: number): Promise<number> => {
  await fn()
  const ts: number[] = []
  for (let i = 0; i < n; i++) { const t0 = performance.now(); await fn(); ts.push(performance.now() - t0) }
  ts.sort((a, b) => a - b)
  return ts[Math.floor(ts.length / 2)]!
}
const randomData = (len: number, seed: number): Float32Array => {
  const d = new Float32Array(len)
  let s = seed >>> 0 || 1
  for (let i = 0; i < len; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; d[i] = s / 2 ** 31 - 1 }
  return d
}
const normalRng = (seed: number) => {
  let s = seed >>> 0 || 1
  const u = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 2 ** 32 }
  return { normal: () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) }
}

interface Job { readonly op: string; readonly label: string; readonly flop: number; readonly torch: Record<string, unknown>; readonly ours: (ctx: GpuContext) => Promise<number | string> }

const gemmJob = (m: number, k: number, n: number, dtype: 'f32' | 'f16', kernel: 'tiled' | 'subgroup-matrix'): Job => ({
  op: `gemm_${dtype}${kernel === 'subgroup-matrix' ? '_sgmat' : ''}`, label: `${m}x${k}x${n}`, flop: 2 * m * n * k,
  torch: { op: 'gemm', m, k, n, dtype, runs },
  ours: async (ctx) => {
    if (kernel === 'subgroup-matrix' && !ctx.features.has('chromium-experimental-subgroup-matrix')) return 'n/a (no subgroup-matrix)'
    if (dtype === 'f16' && !ctx.features.has('shader-f16')) return 'n/a (no shader-f16)'
    const owned: GpuMat[] = []
    try {
      const a = await unwrap(uploadMat(ctx, { data: randomData(m * k, 1), shape: [m, k], stride: [k, 1], offset: 0 }, { dtype })); owned.push(a)
      const b = await unwrap(uploadMat(ctx, { data: randomData(k * n, 2), shape: [k, n], stride: [n, 1], offset: 0 }, { dtype })); owned.push(b)
      return await medianAsync(async () => { (await unwrap(gemmGpuMat(ctx, a, b, { kernel }))).destroy() }, runs)
    } catch (e) {
      return `error: ${(e as Error).message.slice(0, 80)}`
    } finally {
      for (const g of owned) g.destroy()
    }
  },
})

const jobs: Job[] = []
for (const n of sizes) jobs.push(gemmJob(n, n, n, 'f32', 'tiled'))
for (const [m, k, n] of tall) jobs.push(gemmJob(m, k, n, 'f32', 'tiled'))
for (const n of quick ? sizes.slice(-1) : sizes.filter((x) => x >= 4096)) { jobs.push(gemmJob(n, n, n, 'f16', 'tiled')); jobs.push(gemmJob(n, n, n, 'f16', 'subgroup-matrix')) }
if (svdN > 0) jobs.push({
  op: 'rsvd_r64_q64_niter2', label: `${svdN}x${svdN}`, flop: 0,
  torch: { op: 'svd_lowrank', m: svdN, n: svdN, q: 64, niter: 2, runs },
  ours: async (ctx) => {
    const a = await unwrap(uploadMat(ctx, { data: randomData(svdN * svdN, 3), shape: [svdN, svdN], stride: [svdN, 1], offset: 0 }))
    try {
      return await medianAsync(async () => { await unwrap(randomizedSvdGpu(ctx, a, { rank: 64, oversample: 0, powerIters: 2, rng: normalRng(42) })) }, runs)
    } finally { a.destroy() }
  },
})

for (const [R, C] of fairy) for (const batch of [1, 16]) {
  const mk = () => {
    const a = { data: randomData(R * C, 5), shape: [R, C] as const, stride: [C, 1] as const, offset: 0 }
    const x = { data: randomData(batch * C, 6), shape: [batch, C] as const, stride: [C, 1] as const, offset: 0 }
    return { a, x }
  }
  jobs.push({
    op: `f32_io_b${batch}`, label: `${R}x${C}`, flop: 2 * R * C * batch, torch: { op: 'gemm', m: R, k: C, n: batch, dtype: 'f32', runs },
    ours: async (ctx) => {
      const { a, x } = mk()
      const ga = await unwrap(uploadMat(ctx, a))
      try {
        return await medianAsync(async () => { // Yᵀ = A·Xᵀ: upload Xᵀ, multiply, read back
          const xg = await unwrap(uploadMat(ctx, { data: x.data, shape: [C, batch], stride: [1, C], offset: 0 }))
          const yg = await unwrap(gemmGpuMat(ctx, ga, xg))
          await unwrap(downloadMat(ctx, yg)); xg.destroy(); yg.destroy()
        }, runs)
      } finally { ga.destroy() }
    },
  })
  jobs.push({
    op: `fairy2i_T2_b${batch}`, label: `${R}x${C}`, flop: 0, torch: { op: 'gemm', m: R, k: C, n: batch, dtype: 'f32', runs },
    ours: async (ctx) => {
      const { a, x } = mk()
      const layer = await unwrap(fairy2iUploadGpu(ctx, fairy2iQuantize(a, { stages: 2, checkFinite: false })))
      try {
        return await medianAsync(async () => { await unwrap(fairy2iApplyGpu(ctx, layer, x)) }, runs)
      } finally { layer.destroy() }
    },
  })
}

// allow_unsafe_apis: Dawn exposes experimental features (chromium-experimental-subgroup-matrix, the tensor-core path)
// only with this toggle; the device line below says whether the adapter has it.
const ctxE = await createGpuContext(create(['enable-dawn-features=allow_unsafe_apis']))()
if (ctxE._tag === 'Left') { console.error(`gpu.bench: ${ctxE.left.message}`); process.exit(1) }
const ctx = ctxE.right
const device = `${ctx.adapterInfo.description || ctx.adapterInfo.device} (${ctx.adapterInfo.vendor}/${ctx.adapterInfo.architecture}), tile ${JSON.stringify(ctx.gemmTile)}, features: ${[...ctx.features].filter((f) => /f16|subgroup/.test(f)).join(' ')}`
const ours: (number | string)[] = []
for (const j of jobs) ours.push(await j.ours(ctx))
ctx.destroy()

// torch in the same run, one python3 process (CUDA where available)
const script = fileURLToPath(new URL('./torchRef.py', import.meta.url))
const py = spawnSync(process.env['PYTHON'] ?? 'python3', [script], { input: jobs.map((j) => JSON.stringify(j.torch)).join('\n') + '\n', encoding: 'utf8', maxBuffer: 1 << 24 })
const torch = py.status === 0 ? py.stdout.trim().split('\n').map((l) => JSON.parse(l) as { ms?: number; device?: string; torch?: string; error?: string }) : jobs.map(() => ({ error: `python3 failed: ${py.stderr?.slice(0, 200)}` }))

const results = jobs.map((j, i) => {
  const o = ours[i]!, t = torch[i] ?? { error: 'missing' }
  const oursMs = typeof o === 'number' ? o : undefined
  return { op: j.op, shape: j.label, oursMs, oursNote: typeof o === 'string' ? o : undefined, torchMs: t.ms, torchNote: t.error, torchDevice: t.device, torchVersion: t.torch,
    ratio: oursMs !== undefined && t.ms !== undefined ? oursMs / t.ms : undefined,
    oursGflops: oursMs !== undefined && j.flop ? j.flop / oursMs / 1e6 : undefined,
    torchGflops: t.ms !== undefined && j.flop ? j.flop / t.ms / 1e6 : undefined }
})
if (asJson) { console.log(JSON.stringify({ device, results }, null, 1)); process.exit(0) }
const f = (x: number | undefined, d = 2) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(d))
console.log(`ours: ${device}`)
console.log(`torch: ${results.find((r) => r.torchDevice)?.torchDevice ?? 'unavailable'} ${results.find((r) => r.torchVersion)?.torchVersion ?? ''}`)
console.log(['op', 'shape', 'ours_ms', 'torch_ms', 'ratio', 'ours_GFLOP/s', 'torch_GFLOP/s'].map((s) => s.padStart(16)).join(''))
for (const r of results) {
  console.log([r.op, r.shape, r.oursNote ?? f(r.oursMs), r.torchNote ? 'n/a' : f(r.torchMs, 3), f(r.ratio), f(r.oursGflops, 1), f(r.torchGflops, 1)].map((s) => String(s).padStart(16)).join(''))
  if (r.torchNote) console.log(`   torch: ${r.torchNote}`)
}
