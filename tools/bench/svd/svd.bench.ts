// gemm, svd and randomizedSvd of @lr/svd against numpy (OpenBLAS/LAPACK) on the same machine, same run.
// Prints `op size ours_ms numpy_ms ratio GFLOP/s` (ratio = ours / numpy; > 1 means slower than numpy).
// LR_BENCH_QUICK=1 shrinks the sizes. Sizes ≥ 2048 (gemm) and 1024 (svd) are timed once (warm JIT) to keep
// the run short on a shared 2-core machine; numpy gets the median of `runs` after a warm-up.
import { gemm, svd, randomizedSvd, seededRng, matrix, type Mat } from '../../../packages/svd/dist/index.js'
import { medianMs, numpyTimes, row, type NumpyJob } from '../numpyRef.ts'

const quick = process.env['LR_BENCH_QUICK'] === '1'
const rand = (dtype: 'f32' | 'f64', m: number, n: number, seed: number): Mat => {
  const rng = seededRng(seed)
  const d = dtype === 'f32' ? new Float32Array(m * n) : new Float64Array(m * n)
  for (let i = 0; i < d.length; i++) d[i] = rng.normal()
  return matrix(d, m, n)
}
const runsFor = (n: number): number => (n >= 1024 ? 3 : 5)
/** One timed call, no warm-up (for the largest sizes; the JIT is already warm from the smaller ones). */
const onceMs = (fn: () => unknown): number => { const t0 = performance.now(); fn(); return performance.now() - t0 }

interface Case { readonly op: string; readonly size: string; readonly ours: () => number; readonly job: NumpyJob; readonly gflop: number }
const cases: Case[] = []
for (const n of quick ? [256, 512] : [512, 1024, 2048]) {
  for (const dtype of ['f64', 'f32'] as const) {
    const a = rand(dtype, n, n, 1), b = rand(dtype, n, n, 2)
    const runs = runsFor(n)
    cases.push({ op: dtype === 'f64' ? 'dgemm' : 'sgemm', size: `${n}`, ours: () => (n >= 2048 ? onceMs(() => gemm(a, b)) : medianMs(() => gemm(a, b), runs)), job: { op: dtype === 'f64' ? 'dgemm' : 'sgemm', n, runs }, gflop: (2 * n ** 3) / 1e9 })
  }
}
for (const n of quick ? [128, 256] : [256, 512, 1024]) {
  for (const dtype of ['f64', 'f32'] as const) {
    const a = rand(dtype, n, n, 3)
    const runs = 3
    const time = (fn: () => unknown): number => (n >= 1024 ? onceMs(fn) : medianMs(fn, runs))
    cases.push({ op: `svd-${dtype}`, size: `${n}`, ours: () => time(() => svd(a)), job: { op: 'svd', n, dtype, runs }, gflop: 0 })
    cases.push({ op: `svdvals-${dtype}`, size: `${n}`, ours: () => time(() => svd(a, { mode: 'values' })), job: { op: 'svdvals', n, dtype, runs }, gflop: 0 })
  }
}
{
  const n = quick ? 1024 : 4096, rank = 64
  const a = rand('f32', n, n, 4)
  cases.push({ op: 'rsvd-f32-r64', size: `${n}`, ours: () => medianMs(() => randomizedSvd(a, { rank, rng: seededRng(1) }), 1), job: { op: 'rsvd', n, rank, dtype: 'f32', runs: 3 }, gflop: 0 })
}

console.log(row(['op', 'size', 'ours_ms', 'numpy_ms', 'ratio', 'GFLOP/s']))
const np = numpyTimes(cases.map((c) => c.job))
cases.forEach((c, i) => {
  const ours = c.ours()
  console.log(row([c.op, c.size, ours, np[i]!, ours / np[i]!, c.gflop ? c.gflop / (ours / 1e3) : '-']))
})
