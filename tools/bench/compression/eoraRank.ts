// EoRA after int4 (group 128, symmetric) on tinyllama-bytes/base, calib_code: how much does the branch buy, by rank?
//   node tools/bench/compression/eoraRank.ts      → docs/data/eora-int4-rank.json (+ a summary on stderr)
// Measured in this run: (1) per layer, the calibrated error ‖(W − Ŵ)·X‖²_F = tr(E·C·Eᵀ) of int4 alone and with an EoRA
// branch of rank 16 / 32 / 64 (the rank-64 branch is computed once; its leading r columns/rows are exactly the
// rank-r branch, since b = U_r·Σ_r and a = V_rᵀ·Λ^(−1/2)·Qᵀ come from one SVD); (2) the code and prose losses over all
// 64 eval rows (16,384 targets) of int4 ± EoRA r = 16 / 32 / 64, with the per-row paired differences against int4
// (mean ± standard error over the 64 rows); (3) the same at r = 16 with GPTQModel's damped covariance
// C + 0.01·mean(diag C)·I instead of the raw one.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { calibratedError, covarianceEigen, covarianceKeyFor, dequantize, eoraCompensate, isLinearWeight, quantizeIntK, type CovarianceEigen } from '@lr/quant'
import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { buildLlama, evaluateLoss, parseLlamaConfig } from '@lr/pipeline'
import { readAllTensors } from '@lr/pipeline/node'
import { matrix, type Mat } from '@lr/svd'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const FIX = process.env['LR_FIXTURES'] ?? join(ROOT, '../shared/fixtures')
const T = join(FIX, 'tinyllama-bytes')
const RANKS = [16, 32, 64]
const t0 = performance.now()
const log = (s: string): void => { process.stderr.write(`${s} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`) }
const base = await readAllTensors(join(T, 'base'))
const calib = await readAllTensors(join(T, 'calib_code.safetensors'))
const config = parseLlamaConfig(JSON.parse(readFileSync(join(T, 'base/config.json'), 'utf8')), 'config.json')
const evalFiles = { code: new Uint8Array(readFileSync(join(T, 'eval_code.u8'))), prose: new Uint8Array(readFileSync(join(T, 'eval_prose.u8'))) }
const keys = new Set(calib.keys())
const linears = [...base.entries()].filter(([n, t]) => isLinearWeight(n, t.shape)).sort(([a], [b]) => a.localeCompare(b))
const covOf = (name: string, n: number): Mat<Float32Array> => matrix(toFloat32(calib.get(covarianceKeyFor(name.slice(0, -7), keys)!)!), n, n)
const damped = (c: Mat<Float32Array>): Mat<Float32Array> => {
  const n = c.shape[0], d = Float32Array.from(c.data)
  let mean = 0
  for (let i = 0; i < n; i++) mean += c.data[i * n + i]! / n
  for (let i = 0; i < n; i++) d[i * n + i] += 0.01 * mean
  return matrix(d, n, n)
}
const eig = new Map<string, CovarianceEigen>(), eigDamped = new Map<string, CovarianceEigen>()
const cached = (m: Map<string, CovarianceEigen>, k: string, f: () => CovarianceEigen): CovarianceEigen => { let e = m.get(k); if (!e) { e = f(); m.set(k, e) } return e }
const addBranch = (q: Float32Array, b: Mat, a: Mat, m: number, n: number, r: number): Float32Array => {
  const out = Float32Array.from(q), R = b.shape[1]
  for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) { const bik = b.data[i * R + k]!; for (let j = 0; j < n; j++) out[i * n + j] += bik * a.data[k * n + j]! }
  return out
}

const models = new Map<string, Map<string, Float32Array>>([['int4', new Map()], ...RANKS.map((r) => [`int4+eora${r}`, new Map()] as const), ['int4+eora16-damped', new Map()]])
const layers: { name: string; shape: number[]; int4: number; eora: Record<string, number>; eora16Damped: number; reference: number }[] = []
for (const [name, t] of linears) {
  const [m, n] = t.shape as [number, number]
  const w = matrix(toFloat32(t), m, n), cov = covOf(name, n), key = covarianceKeyFor(name.slice(0, -7), keys)!
  const q = dequantize(quantizeIntK(w, { bits: 4, groupSize: 128 })).data
  const { b, a } = eoraCompensate(w, matrix(q, m, n), cached(eig, key, () => covarianceEigen(cov)), { rank: 64 })
  const bd = eoraCompensate(w, matrix(q, m, n), cached(eigDamped, key, () => covarianceEigen(damped(cov))), { rank: 16 })
  models.get('int4')!.set(name, q)
  const row = { name, shape: [m, n], reference: calibratedError(w, matrix(new Float32Array(m * n), m, n), cov), int4: calibratedError(w, matrix(q, m, n), cov), eora: {} as Record<string, number>, eora16Damped: 0 }
  for (const r of RANKS) {
    const qe = addBranch(q, b, a, m, n, r)
    models.get(`int4+eora${r}`)!.set(name, qe)
    row.eora[r] = calibratedError(w, matrix(qe, m, n), cov)
  }
  const qd = addBranch(q, bd.b, bd.a, m, n, 16)
  models.get('int4+eora16-damped')!.set(name, qd)
  row.eora16Damped = calibratedError(w, matrix(qd, m, n), cov)
  layers.push(row)
}
log(`quantized and compensated ${linears.length} layers`)

const rowLosses = async (over: ReadonlyMap<string, Float32Array>, bytes: Uint8Array): Promise<number[]> => {
  const get = (n: string): NamedTensor | undefined => { const o = over.get(n); return o ? { name: n, dtype: 'F32', shape: base.get(n)!.shape, data: o } : base.get(n) }
  const model = buildLlama(config, get, 'tinyllama-bytes/base')
  const out: number[] = []
  for (let r = 0; r < bytes.length / 257; r++) {
    const res = await evaluateLoss(model, bytes.subarray(r * 257, (r + 1) * 257))()
    if (res._tag === 'Left') throw res.left
    out.push(res.right.loss)
  }
  return out
}
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length
const stderr = (xs: number[]): number => { const m = mean(xs); return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) / xs.length) }
const losses: Record<string, Record<string, { loss: number; minusInt4?: number; minusInt4StdErr?: number; rowsLower?: number }>> = {}
const perRow: Record<string, Record<string, number[]>> = {}
for (const [label, over] of [['base', new Map<string, Float32Array>()] as const, ...models]) {
  losses[label] = {}; perRow[label] = {}
  for (const [set, bytes] of Object.entries(evalFiles)) {
    const rows = await rowLosses(over, bytes)
    perRow[label]![set] = rows
    const entry: { loss: number; minusInt4?: number; minusInt4StdErr?: number; rowsLower?: number } = { loss: mean(rows) }
    if (label !== 'int4' && label !== 'base') {
      const d = rows.map((x, i) => x - perRow['int4']![set]![i]!)
      entry.minusInt4 = mean(d); entry.minusInt4StdErr = stderr(d); entry.rowsLower = d.filter((x) => x < 0).length
    }
    losses[label]![set] = entry
  }
  log(`${label}: code ${losses[label]!['code']!.loss.toFixed(5)} prose ${losses[label]!['prose']!.loss.toFixed(5)}`)
}
const sum = (f: (l: typeof layers[number]) => number): number => layers.reduce((s, l) => s + f(l), 0)
const totals = { reference: sum((l) => l.reference), int4: sum((l) => l.int4), ...Object.fromEntries(RANKS.map((r) => [`eora${r}`, sum((l) => l.eora[r]!)])), eora16Damped: sum((l) => l.eora16Damped) }
mkdirSync(join(ROOT, 'docs/data'), { recursive: true })
writeFileSync(join(ROOT, 'docs/data/eora-int4-rank.json'), `${JSON.stringify({ rows: 64, quantizer: { bits: 4, groupSize: 128, isSymmetric: true }, calibration: 'calib_code', losses, calibratedErrorTotals: totals, layers, seconds: (performance.now() - t0) / 1000 }, null, 1)}\n`)
log('wrote docs/data/eora-int4-rank.json')
