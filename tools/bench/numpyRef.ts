// Runs tools/bench/numpyRef.py on a list of jobs in one python3 process and returns the median ms of each.
// `best: true` unsets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE for that process alone (numpy's best kernel).
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export interface NumpyJob { readonly op: string; readonly n: number; readonly m?: number; readonly k?: number; readonly runs?: number; readonly dtype?: string; readonly [key: string]: unknown }
// `threads` sets OPENBLAS_NUM_THREADS (and OMP_NUM_THREADS) for that process alone.
export const numpyTimes = (jobs: readonly NumpyJob[], opts: { readonly best?: boolean; readonly threads?: number } = {}): number[] => {
  const env = { ...process.env }
  if (opts.best) { delete env['OPENBLAS_CORETYPE']; delete env['OPENBLAS_L2_SIZE'] }
  if (opts.threads !== undefined) { env['OPENBLAS_NUM_THREADS'] = String(opts.threads); env['OMP_NUM_THREADS'] = String(opts.threads) }
  const script = fileURLToPath(new URL('./numpyRef.py', import.meta.url))
  const r = spawnSync('python3', [script], { input: jobs.map((j) => JSON.stringify(j)).join('\n') + '\n', env, encoding: 'utf8', maxBuffer: 1 << 24 })
  if (r.status !== 0) throw new Error(`numpyRef.py failed: ${r.stderr}`)
  return r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { ms: number }).ms)
}

/** Like numpyTimes, for ops that also report the median process CPU time (`cpu_ms`, e.g. bf16_decode, fromfile). */
export const numpyTimesCpu = (jobs: readonly NumpyJob[], opts: { readonly best?: boolean; readonly threads?: number } = {}): { ms: number; cpuMs: number }[] => {
  const env = { ...process.env }
  if (opts.best) { delete env['OPENBLAS_CORETYPE']; delete env['OPENBLAS_L2_SIZE'] }
  if (opts.threads !== undefined) { env['OPENBLAS_NUM_THREADS'] = String(opts.threads); env['OMP_NUM_THREADS'] = String(opts.threads) }
  const script = fileURLToPath(new URL('./numpyRef.py', import.meta.url))
  const r = spawnSync('python3', [script], { input: jobs.map((j) => JSON.stringify(j)).join('\n') + '\n', env, encoding: 'utf8', maxBuffer: 1 << 24 })
  if (r.status !== 0) throw new Error(`numpyRef.py failed: ${r.stderr}`)
  return r.stdout.trim().split('\n').map((l) => { const o = JSON.parse(l) as { ms: number; cpu_ms: number }; return { ms: o.ms, cpuMs: o.cpu_ms } })
}

/** Median of `runs` timings (ms) of `fn` after one warm-up call. */
export const medianMs = (fn: () => unknown, runs: number): number => {
  fn()
  const ts: number[] = []
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); fn(); ts.push(performance.now() - t0) }
  ts.sort((a, b) => a - b)
  return ts[Math.floor(ts.length / 2)]!
}
export const row = (cols: readonly (string | number)[]): string =>
  cols.map((c) => (typeof c === 'number' ? (Math.abs(c) >= 100 ? c.toFixed(0) : c.toPrecision(3)) : c).padStart(12)).join(' ')
