// Generates the measured tables and the plot of docs/compression.md and docs/quantization.md:
// losses (code, prose) of the tinyllama-bytes base after svd / asvd / svd-llm compression at ratios 0.2 / 0.4 / 0.6,
// each with and without an EoRA r = 16 branch, and of int4 / NF4 / SVDQuant (± EoRA). Calibration: calib_code.
//   node tools/bench/compression/compressionTable.ts run svd|asvd|svd-llm|quant   (one part → docs/data/compression-<part>.json;
//                                                                                  the parts are independent: run them in parallel)
//   node tools/bench/compression/compressionTable.ts render                       (merges the parts: tables and the SVG)
// Every number is measured in this run by @lr/pipeline's evaluateLoss (f32 forward) on all 64 rows of each eval file
// (64 × 256 = 16,384 targets; LR_EVAL_ROWS=n uses the first n rows instead, for a quick look). Each part rewrites its
// JSON after every configuration, so `render` works on whatever has finished.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { calibratedError, compressLinear, covarianceEigen, covarianceKeyFor, dequantize, eoraCompensate, isLinearWeight, quantizeIntK, quantizeNf4, rankForRatio, svdQuant, svdQuantDense, type CompressMethod, type CovarianceEigen } from '@lr/quant'
import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { buildLlama, evaluateLoss, parseLlamaConfig } from '@lr/pipeline'
import { readAllTensors } from '@lr/pipeline/node'
interface F32Tensor { readonly shape: readonly number[]; readonly data: Float32Array }
const readAllFloat32 = async (p: string): Promise<Map<string, F32Tensor>> => new Map([...(await readAllTensors(p)).entries()].map(([k, t]) => [k, { shape: t.shape, data: toFloat32(t) }]))
import { matrix, type Mat } from '@lr/svd'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const [mode, part] = process.argv.slice(2)
const ROWS = Number(process.env['LR_EVAL_ROWS'] ?? 64)
if (mode !== 'run' && mode !== 'render') { console.error('usage: compressionTable.ts run svd|asvd|svd-llm|quant | render'); process.exit(2) }
const docs = join(ROOT, 'docs')
mkdirSync(join(docs, 'data'), { recursive: true })
interface Row { method: string; ratio: number | null; eora: number; removed: number; code: number; prose: number; calibratedError: number }
interface QRow { method: string; group: number; eora: number; code: number; prose: number; calibratedError: number }
if (mode === 'run') await runPart(part!)
else render()

async function runPart(part: string): Promise<void> {
const FIX = process.env['LR_FIXTURES'] ?? join(ROOT, '../shared/fixtures')
const T = join(FIX, 'tinyllama-bytes')
const base = await readAllFloat32(join(T, 'base'))
const calib = await readAllFloat32(join(T, 'calib_code.safetensors'))
const config = parseLlamaConfig(JSON.parse(readFileSync(join(T, 'base/config.json'), 'utf8')), 'config.json')
const evalFiles = { code: new Uint8Array(readFileSync(join(T, 'eval_code.u8'))).subarray(0, ROWS * 257), prose: new Uint8Array(readFileSync(join(T, 'eval_prose.u8'))).subarray(0, ROWS * 257) }
const linears = [...base.entries()].filter(([n, t]) => isLinearWeight(n, t.shape))
const keys = new Set(calib.keys())
const covOf = (name: string): Mat<Float32Array> => {
  const n = base.get(name)!.shape[1]!
  return matrix(calib.get(covarianceKeyFor(name.slice(0, -7), keys)!)!.data, n, n)
}
const eigCache = new Map<string, CovarianceEigen>()
const eigOf = (name: string): CovarianceEigen => {
  const k = covarianceKeyFor(name.slice(0, -7), keys)!
  let e = eigCache.get(k)
  if (!e) { e = covarianceEigen(covOf(name)); eigCache.set(k, e) }
  return e
}
const log = (s: string): void => { process.stderr.write(`${s}\n`) }

const losses = async (over: ReadonlyMap<string, F32Tensor>): Promise<{ code: number; prose: number }> => {
  const named = (n: string, t: F32Tensor | undefined): NamedTensor | undefined => t && { name: n, dtype: 'F32', shape: t.shape, data: t.data }
  const model = buildLlama(config, (n) => named(n, over.get(n) ?? (over.has(`${n}_u`) ? undefined : base.get(n))), 'tinyllama-bytes/base')
  const out: Record<string, number> = {}
  for (const [k, bytes] of Object.entries(evalFiles)) {
    const r = await evaluateLoss(model, bytes)()
    if (r._tag === 'Left') throw r.left
    out[k] = r.right.loss
  }
  return out as { code: number; prose: number }
}
const dense = (u: Mat, v: Mat, m: number, n: number): Float32Array => {
  const r = u.shape[1], out = new Float32Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < r; k++) s += u.data[i * r + k]! * v.data[k * n + j]!; out[i * n + j] = s }
  return out
}

const t0 = performance.now()
const rows: Row[] = []
const qrows: QRow[] = []
let baseline: { code: number; prose: number } | undefined
const save = (): void => writeFileSync(join(docs, 'data', `compression-${part}.json`), `${JSON.stringify({ rows: ROWS, ...(baseline ? { baseline } : {}), compression: rows, quantization: qrows, seconds: (performance.now() - t0) / 1000 }, null, 1)}\n`)
if (part === 'quant') { baseline = await losses(new Map()); save(); log(`base: code ${baseline.code.toFixed(4)} prose ${baseline.prose.toFixed(4)}`) }
for (const method of (part === 'quant' ? [] : [part]) as CompressMethod[]) for (const ratio of [0.2, 0.4, 0.6]) {
  const plain = new Map<string, F32Tensor>(), withEora = new Map<string, F32Tensor>()
  let before = 0, after = 0, afterE = 0, errSum = 0, errSumE = 0, errNorm = 0
  for (const [name, t] of linears) {
    const [m, n] = t.shape as [number, number]
    const w = matrix(t.data, m, n), cov = covOf(name), rank = rankForRatio(m, n, ratio)
    const { u, v } = compressLinear(w, { method, rank, covariance: cov })
    const approx = dense(u, v, m, n)
    const { b, a } = eoraCompensate(w, matrix(approx, m, n), eigOf(name), { rank: 16 })
    const m2 = name.slice(0, -7)
    plain.set(`${m2}.weight_u`, { shape: [m, rank], data: u.data as Float32Array }); plain.set(`${m2}.weight_v`, { shape: [rank, n], data: v.data as Float32Array })
    const uu = new Float32Array(m * (rank + 16)), vv = new Float32Array((rank + 16) * n)
    for (let i = 0; i < m; i++) { for (let k = 0; k < rank; k++) uu[i * (rank + 16) + k] = u.data[i * rank + k]!; for (let k = 0; k < 16; k++) uu[i * (rank + 16) + rank + k] = b.data[i * 16 + k]! }
    vv.set(v.data as Float32Array); vv.set(a.data as Float32Array, rank * n)
    withEora.set(`${m2}.weight_u`, { shape: [m, rank + 16], data: uu }); withEora.set(`${m2}.weight_v`, { shape: [rank + 16, n], data: vv })
    before += m * n; after += rank * (m + n); afterE += (rank + 16) * (m + n)
    errNorm += calibratedError(w, matrix(new Float32Array(m * n), m, n), cov)
    errSum += calibratedError(w, matrix(approx, m, n), cov)
    errSumE += calibratedError(w, matrix(dense(matrix(uu, m, rank + 16), matrix(vv, rank + 16, n), m, n), m, n), cov)
  }
  const l1 = await losses(plain), l2 = await losses(withEora)
  rows.push({ method, ratio, eora: 0, removed: 1 - after / before, ...l1, calibratedError: errSum / errNorm })
  rows.push({ method, ratio, eora: 16, removed: 1 - afterE / before, ...l2, calibratedError: errSumE / errNorm })
  save()
  log(`${method} ${ratio}: code ${l1.code.toFixed(4)} → EoRA ${l2.code.toFixed(4)}; prose ${l1.prose.toFixed(4)} → ${l2.prose.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`)
}

const quantVariants: [string, number, boolean, (w: Mat<Float32Array>, cov: Mat<Float32Array>) => Float32Array][] = part !== 'quant' ? [] : [
  ['int4', 128, true, (w) => dequantize(quantizeIntK(w, { bits: 4, groupSize: 128 })).data],
  ['svdquant-r32', 128, false, (w, c) => svdQuantDense(svdQuant(w, c, { rank: 32, bits: 4, groupSize: 128 })).data],
  ['nf4', 64, true, (w) => dequantize(quantizeNf4(w)).data],
]
for (const [method, group, withE, fn] of quantVariants) {
  const plain = new Map<string, F32Tensor>(), withEora = new Map<string, F32Tensor>()
  let e1 = 0, e2 = 0, nrm = 0
  for (const [name, t] of linears) {
    const [m, n] = t.shape as [number, number]
    const w = matrix(t.data, m, n), cov = covOf(name)
    const q = fn(w, cov)
    const { b, a } = eoraCompensate(w, matrix(q, m, n), eigOf(name), { rank: 16 })
    const ba = dense(b, a, m, n), qe = Float32Array.from(q, (x, i) => x + ba[i]!)
    plain.set(name, { shape: [m, n], data: q }); withEora.set(name, { shape: [m, n], data: qe })
    nrm += calibratedError(w, matrix(new Float32Array(m * n), m, n), cov)
    e1 += calibratedError(w, matrix(q, m, n), cov); e2 += calibratedError(w, matrix(qe, m, n), cov)
  }
  const l1 = await losses(plain)
  qrows.push({ method, group, eora: 0, ...l1, calibratedError: e1 / nrm })
  if (withE) { const l2 = await losses(withEora); qrows.push({ method, group, eora: 16, ...l2, calibratedError: e2 / nrm }) }
  save()
  log(`${method} g${group}: code ${l1.code.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(0)} s)`)
}
save()
log(`wrote docs/data/compression-${part}.json (${((performance.now() - t0) / 1000).toFixed(0)} s)`)
}

function render(): void {
// Only parts measured on ROWS eval rows are merged (never mix row counts); the others are named in the docs.
const all = ['svd', 'asvd', 'svd-llm', 'quant'].filter((p) => existsSync(join(docs, 'data', `compression-${p}.json`)))
  .map((p) => ({ part: p, ...(JSON.parse(readFileSync(join(docs, 'data', `compression-${p}.json`), 'utf8')) as { rows: number; baseline?: { code: number; prose: number }; compression: Row[]; quantization: QRow[] }) }))
const parts = all.filter((p) => p.rows === ROWS)
const stale = ['svd', 'asvd', 'svd-llm'].filter((p) => !parts.some((q) => q.part === p && q.compression.length === 6))
const baseline = parts.find((p) => p.baseline)!.baseline!
const rows = parts.flatMap((p) => p.compression), qrows = parts.flatMap((p) => p.quantization)
if (stale.length) process.stderr.write(`not (completely) measured on ${ROWS} rows yet: ${stale.join(', ')}\n`)

// ---- markdown tables ----
const f4 = (x: number): string => x.toFixed(4)
const ctab = [`All ${ROWS} rows of each eval file (${ROWS * 256} targets).${stale.length ? ` Not (completely) measured on ${ROWS} rows yet (missing from this table): ${stale.join(', ')} — run \`compressionTable.ts run <method>\`.` : ''}`, '',
  '| method | ratio | EoRA r | params removed | code loss | prose loss | calibrated error |', '|---|---|---|---|---|---|---|',
  `| base | – | – | 0 | ${f4(baseline.code)} | ${f4(baseline.prose)} | 0 |`,
  ...rows.map((r) => `| ${r.method} | ${r.ratio} | ${r.eora || '–'} | ${(100 * r.removed).toFixed(1)}% | ${f4(r.code)} | ${f4(r.prose)} | ${r.calibratedError.toExponential(2)} |`)].join('\n')
const qtab = [`All ${ROWS} rows of each eval file (${ROWS * 256} targets).`, '', '| method | group | EoRA r | code loss | prose loss | calibrated error |', '|---|---|---|---|---|---|',
  `| base (BF16) | – | – | ${f4(baseline.code)} | ${f4(baseline.prose)} | 0 |`,
  ...qrows.map((r) => `| ${r.method} | ${r.group} | ${r.eora || '–'} | ${f4(r.code)} | ${f4(r.prose)} | ${r.calibratedError.toExponential(2)} |`)].join('\n')
const splice = (file: string, tag: string, body: string): void => {
  const p = join(docs, file), s = readFileSync(p, 'utf8')
  const re = new RegExp(`(<!-- ${tag}:start -->\\n)[\\s\\S]*?(<!-- ${tag}:end -->)`)
  if (!re.test(s)) throw new Error(`${file}: no <!-- ${tag}:start --> … <!-- ${tag}:end --> markers`)
  writeFileSync(p, s.replace(re, `$1${body}\n$2`))
}
splice('compression.md', 'table', ctab)
splice('quantization.md', 'table', qtab)

// ---- SVG plot: code and prose loss vs ratio ----
const W = 820, Hh = 330, pad = { l: 60, r: 175, t: 30, b: 45 }
const panels = ['code', 'prose'] as const
const colors: Record<string, string> = { svd: '#d62728', asvd: '#1f77b4', 'svd-llm': '#2ca02c' }
const pw = (W - pad.l - pad.r) / 2 - 20, ph = Hh - pad.t - pad.b
let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" font-family="DejaVu Sans, sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n`
panels.forEach((panel, pi) => {
  const all = rows.map((r) => r[panel]).concat([baseline[panel]])
  const ymin = Math.floor(Math.min(...all) * 20) / 20, ymax = Math.ceil(Math.max(...all) * 20) / 20
  const x0 = pad.l + pi * (pw + 40), X = (r: number) => x0 + ((r - 0.2) / 0.4) * pw, Y = (v: number) => pad.t + ph - ((v - ymin) / (ymax - ymin)) * ph
  svg += `<text x="${x0 + pw / 2}" y="${pad.t - 10}" text-anchor="middle" font-size="13">${panel} loss (nats)</text>\n`
  svg += `<rect x="${x0}" y="${pad.t}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>\n`
  for (let v = ymin; v <= ymax + 1e-9; v += (ymax - ymin) / 5) svg += `<line x1="${x0}" x2="${x0 + pw}" y1="${Y(v)}" y2="${Y(v)}" stroke="#eee"/><text x="${x0 - 6}" y="${Y(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>\n`
  for (const r of [0.2, 0.4, 0.6]) svg += `<text x="${X(r)}" y="${pad.t + ph + 16}" text-anchor="middle">${r}</text>\n`
  svg += `<text x="${x0 + pw / 2}" y="${pad.t + ph + 34}" text-anchor="middle">ratio (fraction of linear parameters removed)</text>\n`
  svg += `<line x1="${x0}" x2="${x0 + pw}" y1="${Y(baseline[panel])}" y2="${Y(baseline[panel])}" stroke="#000" stroke-dasharray="2,3"/>\n`
  for (const method of ['svd', 'asvd', 'svd-llm']) for (const eora of [0, 16]) {
    if (!rows.some((r) => r.method === method)) continue
    const pts = rows.filter((r) => r.method === method && r.eora === eora).map((r) => `${X(r.ratio!)},${Y(r[panel])}`)
    svg += `<polyline points="${pts.join(' ')}" fill="none" stroke="${colors[method]}" stroke-width="2"${eora ? ' stroke-dasharray="6,4"' : ''}/>\n`
    for (const p of pts) { const [x, y] = p.split(','); svg += `<circle cx="${x}" cy="${y}" r="3" fill="${colors[method]}"/>\n` }
  }
})
const lx = W - pad.r + 10
svg += `<text x="${lx}" y="${pad.t + 10}">— plain, - - + EoRA r=16</text>\n`
Object.entries(colors).forEach(([m, c], i) => { svg += `<line x1="${lx}" x2="${lx + 22}" y1="${pad.t + 32 + i * 18}" y2="${pad.t + 32 + i * 18}" stroke="${c}" stroke-width="2"/><text x="${lx + 28}" y="${pad.t + 36 + i * 18}">${m}</text>\n` })
svg += `<line x1="${lx}" x2="${lx + 22}" y1="${pad.t + 32 + 3 * 18}" y2="${pad.t + 32 + 3 * 18}" stroke="#000" stroke-dasharray="2,3"/><text x="${lx + 28}" y="${pad.t + 36 + 3 * 18}">base</text>\n</svg>\n`
writeFileSync(join(docs, 'compression-loss.svg'), svg)
process.stderr.write('wrote docs/compression-loss.svg and the tables of docs/compression.md and docs/quantization.md\n')
}
