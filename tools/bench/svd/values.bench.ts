// Singular values only (svd(a, { mode: 'values' })) against np.linalg.svd(A, compute_uv=False), same
// machine, same run: numpy as configured (OPENBLAS_CORETYPE from the environment) and with its best
// kernel (env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE). Then where our time goes at each size:
// the bidiagonalization (WebAssembly SIMD panel products + trailing GEMM) and the bidiagonal's values
// by dqds, with the bidiagonal QR (bdsqr, the previous values path) for comparison.
//   node tools/bench/svd/values.bench.ts        (LR_BENCH_SIZES=1024,2048 by default; LR_BENCH_RUNS=3)
// LR_BENCH_CPU=1: one thread on both sides and PROCESS CPU TIME instead of wall time (a proxy that
// stays meaningful on a loaded shared machine; the targets are wall-clock on a quiet one).
import { cpus, loadavg } from 'node:os'
import { cpuInfo, matrix, seededRng, setCpuOptions, svd, type Mat } from '@lr/svd'
import { bidiagonalizeBlocked } from '../../../packages/svd/dist/internal/blocked/bidiagBlocked.js'
import { bidiagonalSingularValues } from '../../../packages/svd/dist/internal/dqds.js'
import { bdsqr } from '../../../packages/svd/dist/internal/svdKernel.js'
import { medianMs, numpyTimes, numpyTimesCpu, type NumpyJob } from '../numpyRef.ts'

const sizes = (process.env['LR_BENCH_SIZES'] ?? '1024,2048').split(',').map(Number)
const runs = Number(process.env['LR_BENCH_RUNS'] ?? 3)
const randn = (T: typeof Float32Array | typeof Float64Array, len: number, seed: number): Float32Array | Float64Array => {
  const r = seededRng(seed), x = new T(len)
  for (let i = 0; i < len; i++) x[i] = r.normal()
  return x
}
const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toPrecision(3)).padStart(12)

const isCpu = process.env['LR_BENCH_CPU'] === '1'
if (isCpu) setCpuOptions({ threads: 1 })
const cpuMs = (fn: () => unknown): number => {
  fn()
  const ts: number[] = []
  for (let i = 0; i < runs; i++) { const c0 = process.cpuUsage(); fn(); const c = process.cpuUsage(c0); ts.push((c.user + c.system) / 1000) }
  return ts.sort((a, b) => a - b)[ts.length >> 1]!
}
console.log(`CPU ${cpus()[0]?.model ?? '?'} × ${cpus().length}; Node ${process.version}; kernel ${cpuInfo().kernel}, ${cpuInfo().threads} threads; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
const jobs: NumpyJob[] = sizes.flatMap((n) => (['f32', 'f64'] as const).map((dtype) => ({ op: 'svdvals', n, dtype, runs })))
if (isCpu) {
  const np = numpyTimesCpu(jobs.map((j) => ({ ...j, op: 'svdvals_cpu' })), { threads: 1 })
  console.log('\nsvd values, 1 thread each, process CPU ms: ours vs np.linalg.svd(A, compute_uv=False) (ratio = ours / numpy)')
  console.log(['dtype', 'n', 'ours_cpu_ms', 'np_cpu_ms', 'ratio'].map((s) => s.padStart(12)).join(''))
  jobs.forEach((job, i) => {
    const T = job['dtype'] === 'f32' ? Float32Array : Float64Array
    const a = matrix(randn(T, job.n * job.n, 3), job.n, job.n) as Mat
    const ms = cpuMs(() => svd(a, { mode: 'values' }))
    console.log([String(job['dtype']).padStart(12), String(job.n).padStart(12), fmt(ms), fmt(np[i]!.cpuMs), fmt(ms / np[i]!.cpuMs)].join(''))
  })
}
const cfg = isCpu ? [] : numpyTimes(jobs), best = isCpu ? [] : numpyTimes(jobs, { best: true })
if (!isCpu) console.log('\nsvd values: ours vs np.linalg.svd(A, compute_uv=False) (ratio = ours_ms / numpy_ms)')
if (!isCpu) console.log(['dtype', 'n', 'ours_ms', 'np_avx2_ms', 'ratio', 'np_best_ms', 'ratio'].map((s) => s.padStart(12)).join(''))
if (!isCpu) jobs.forEach((job, i) => {
  const T = job['dtype'] === 'f32' ? Float32Array : Float64Array
  const a = matrix(randn(T, job.n * job.n, 3), job.n, job.n) as Mat
  const ms = medianMs(() => svd(a, { mode: 'values' }), runs)
  console.log([String(job['dtype']).padStart(12), String(job.n).padStart(12), fmt(ms), fmt(cfg[i]!), fmt(ms / cfg[i]!), fmt(best[i]!), fmt(ms / best[i]!)].join(''))
})

console.log(`\nwhere the time goes (f64 work array, one call each, ${isCpu ? 'CPU ' : ''}ms): bidiagonalization | dqds | bidiagonal QR (old path)`)
for (const n of sizes) {
  const a = randn(Float64Array, n * n, 3) as Float64Array
  const clock = (): number => { if (!isCpu) return performance.now(); const c = process.cpuUsage(); return (c.user + c.system) / 1000 }
  const t0 = clock()
  const { d, e } = bidiagonalizeBlocked(n, n, a)
  const tb = clock() - t0
  const t1 = clock()
  bidiagonalSingularValues(n, d, e)
  const tq = clock() - t1
  const d2 = d.slice(), e2 = e.slice()
  const t2 = clock()
  bdsqr('bench', n, n, d2, e2, undefined, undefined)
  const tr = clock() - t2
  console.log(`n = ${n}: ${fmt(tb)} | ${fmt(tq)} | ${fmt(tr)}`)
}
console.log(`\nload average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
