// gemm, svd and randomizedSvd of @lr/svd against numpy (OpenBLAS/LAPACK) on the same machine, same run.
// Prints `op size ours_ms numpy_ms ratio GFLOP/s` (ratio = ours / numpy; > 1 means slower than numpy).
// LR_BENCH_QUICK=1 shrinks the sizes.
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

interface Case { readonly op: string; readonly size: string; readonly ours: () => number; readonly job: NumpyJob; readonly gflop: number }
const cases: Case[] = []
for (const n of quick ? [256, 512] : [512, 1024, 2048]) {
  for (const dtype of ['f64', 'f32'] as const) {
    const a = rand(dtype, n, n, 1), b = rand(dtype, n, n, 2)
    const runs = runsFor(n)
    cases.push({ op: dtype === 'f64' ? 'dgemm' : 'sgemm', size: `${n}`, ours: () => medianMs(() => gemm(a, b), runs), job: { op: dtype === 'f64' ? 'dgemm' : 'sgemm', n, runs }, gflop: (2 * n ** 3) / 1e9 })
  }
}
for (const n of quick ? [128, 256] : [256, 512, 1024]) {
  for (const dtype of ['f64', 'f32'] as const) {
    const a = rand(dtype, n, n, 3)
    const runs = n >= 1024 ? 1 : 3
    cases.push({ op: `svd-${dtype}`, size: `${n}`, ours: () => medianMs(() => svd(a), runs), job: { op: 'svd', n, dtype, runs }, gflop: 0 })
    cases.push({ op: `svdvals-${dtype}`, size: `${n}`, ours: () => medianMs(() => svd(a, { mode: 'values' }), runs), job: { op: 'svdvals', n, dtype, runs }, gflop: 0 })
  }
}
{
  const n = quick ? 1024 : 4096, rank = 64
  const a = rand('f32', n, n, 4)
  cases.push({ op: 'rsvd-f32-r64', size: `${n}`, ours: () => medianMs(() => randomizedSvd(a, { rank, rng: seededRng(1) }), 3), job: { op: 'rsvd', n, rank, dtype: 'f32', runs: 3 }, gflop: 0 })
}

console.log(row(['op', 'size', 'ours_ms', 'numpy_ms', 'ratio', 'GFLOP/s']))
const np = numpyTimes(cases.map((c) => c.job))
cases.forEach((c, i) => {
  const ours = c.ours()
  console.log(row([c.op, c.size, ours, np[i]!, ours / np[i]!, c.gflop ? c.gflop / (ours / 1e3) : '-']))
})
