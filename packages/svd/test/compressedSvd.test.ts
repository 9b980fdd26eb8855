// weightedSvd (FWSVD), whitenedSvd (SVD-LLM), scaledSvd (ASVD): u·v is the compressed matrix in the
// original space, and it attains the optimum of each method's objective (Eckart–Young in the transformed space).
import t from 'tap'
import { weightedSvd, whitenedSvd, scaledSvd, svd, gemm, transpose, matrix, seededRng, type Mat } from '../src/index.js'
import { F32_TOL, F64_TOL, fixturesDir, get, mul, randn, readMatrices, readMatrix } from './helpers.js'

const tail = (s: ArrayLike<number>, r: number): number => { let e = 0; for (let i = r; i < s.length; i++) e += s[i]! ** 2; return Math.sqrt(e) }
const diff = (a: Mat, uv: Float64Array): Mat<Float64Array> => {
  const [m, n] = a.shape, d = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[i * n + j] = get(a, i, j) - uv[i * n + j]!
  return matrix(d, m, n)
}
const fro = (x: ArrayLike<number>): number => { let e = 0; for (let i = 0; i < x.length; i++) e += x[i]! ** 2; return Math.sqrt(e) }

t.test('weightedSvd: weighted error = tail of σ(D·W); uniform weights = plain truncated SVD', async (t) => {
  const w = randn('f64', 12, 9, 1), rank = 4
  const rw = Float64Array.from({ length: 12 }, (_, i) => 0.5 + i)
  const { u, v, s } = weightedSvd(w, { rank, rowWeights: rw })
  t.same([u.shape, v.shape, s.length], [[12, 4], [4, 9], 4])
  const e = diff(w, mul(u, v))
  const dw = matrix(Float64Array.from(w.data, (x, i) => x * Math.sqrt(rw[Math.floor(i / 9)]!)), 12, 9)
  const sd = svd(dw, { mode: 'values' }).s
  const werr = Math.sqrt(Array.from(e.data).reduce((acc, x, i) => acc + rw[Math.floor(i / 9)]! * x * x, 0))
  t.ok(Math.abs(werr - tail(sd, rank)) <= F64_TOL * 10 * fro(sd), `weighted error ${werr} = optimum ${tail(sd, rank)}`)
  const plain = weightedSvd(w, { rank, rowWeights: new Float64Array(12).fill(1), split: 'left' })
  const sv = svd(w, { mode: 'values' }).s
  t.ok(Math.abs(fro(diff(w, mul(plain.u, plain.v)).data) - tail(sv, rank)) <= F64_TOL * 10 * fro(sv), 'uniform weights: Eckart–Young')
  const rnd = weightedSvd(w, { rank, rowWeights: rw, solver: { kind: 'randomized', rng: seededRng(1) } })
  t.ok(fro(diff(w, mul(rnd.u, rnd.v)).data) > 0 && rnd.u.shape[1] === 4, 'randomized solver')
  t.throws(() => weightedSvd(w, { rank, rowWeights: new Float64Array(12) }), { _tag: 'InvalidArgument', argument: 'rowWeights' })
  t.throws(() => weightedSvd(w, { rank, rowWeights: new Float64Array(3).fill(1) }), { _tag: 'ShapeMismatch' })
  t.throws(() => weightedSvd(w, { rank: 10, rowWeights: rw }), { _tag: 'InvalidArgument', argument: 'rank' })
})

t.test('whitenedSvd: ‖(W − uv)·X‖_F = tail of σ(W·S), C = X·Xᵀ = S·Sᵀ', async (t) => {
  const w = randn('f64', 10, 6, 2), x = randn('f64', 6, 40, 3), rank = 3
  const c = gemm(x, transpose(x))
  const { u, v, s, jitter } = whitenedSvd(w, { rank, covariance: c })
  t.equal(jitter, 0)
  const ex = mul(diff(w, mul(u, v)), x)
  // σ(W·S) = σ(W·X) since X·Xᵀ = S·Sᵀ
  const swx = svd(matrix(mul(w, x), 10, 40), { mode: 'values' }).s
  t.ok(Math.abs(fro(ex) - tail(swx, rank)) <= 1e-10 * fro(swx), `whitened error ${fro(ex)} = optimum ${tail(swx, rank)}`)
  t.ok(Math.abs(s[0]! - swx[0]!) <= 1e-10 * swx[0]!, 's = σ(W·S)')
  const plain = svd(w)
  const uvPlain = mul(matrix(Float64Array.from({ length: 30 }, (_, i) => plain.u.data[Math.floor(i / 3) * 6 + (i % 3)]! * plain.s[i % 3]!), 10, 3), matrix(plain.vt.data.slice(0, 18), 3, 6))
  t.ok(fro(ex) <= fro(mul(diff(w, uvPlain), x)) * (1 + 1e-12), 'beats plain SVD on the activation-weighted error')
  // singular covariance (rank 2 < 6): jitter reported, still a valid factorization
  const x2 = randn('f64', 6, 2, 4)
  const sing = whitenedSvd(w, { rank, covariance: gemm(x2, transpose(x2)) })
  t.ok(sing.jitter > 0 && sing.v.data.every(Number.isFinite), `singular covariance: jitter ${sing.jitter}`)
  t.throws(() => whitenedSvd(w, { rank, covariance: randn('f64', 5, 5, 1) }), { _tag: 'ShapeMismatch' })
})

t.test('whitenedSvd on the tinyllama q_proj with its real calibration covariance (f32)', async (t) => {
  const w = (await readMatrices(`${fixturesDir}/tinyllama-bytes/base/model.safetensors`)).find((m) => m.name === 'model.layers.0.self_attn.q_proj.weight')!
  const C = await readMatrix(`${fixturesDir}/tinyllama-bytes/calib_code.safetensors`, 'layers.0.self_attn.q_proj')
  const W = matrix(w.data, 256, 256), rank = 32
  const wh = whitenedSvd(W, { rank, covariance: C })
  t.ok(wh.u.data instanceof Float32Array && wh.v.shape[0] === rank, 'f32 in, f32 factors')
  // activation-weighted error tr(E·C·Eᵀ) must not exceed plain truncated SVD's
  const err = (uv: Float64Array): number => { const e = diff(W, uv); const ec = mul(e, C); let s = 0; for (let i = 0; i < e.data.length; i++) s += ec[i]! * e.data[i]!; return Math.sqrt(s) }
  const p = svd(W)
  const uvPlain = mul(matrix(Float64Array.from({ length: 256 * rank }, (_, i) => p.u.data[Math.floor(i / rank) * 256 + (i % rank)]! * p.s[i % rank]!), 256, rank), matrix(Float64Array.from(p.vt.data.subarray(0, rank * 256)), rank, 256))
  const ew = err(mul(wh.u, wh.v)), ep = err(uvPlain)
  t.ok(ew <= ep * (1 + F32_TOL), `SVD-LLM activation error ${ew.toExponential(3)} ≤ plain ${ep.toExponential(3)}`)
})

t.test('scaledSvd: ‖(W − uv)·S‖_F = tail of σ(W·S)', async (t) => {
  const w = randn('f64', 7, 8, 5), rank = 3
  const sc = Float64Array.from({ length: 8 }, (_, j) => 0.1 + j)
  const { u, v } = scaledSvd(w, { rank, scale: sc, split: 'right' })
  const e = diff(w, mul(u, v))
  const es = Float64Array.from(e.data, (x, i) => x * sc[i % 8]!)
  const ws = matrix(Float64Array.from(w.data, (x, i) => x * sc[i % 8]!), 7, 8)
  const sv = svd(ws, { mode: 'values' }).s
  t.ok(Math.abs(fro(es) - tail(sv, rank)) <= F64_TOL * 10 * fro(sv), 'ASVD optimum')
  t.throws(() => scaledSvd(w, { rank, scale: new Float64Array(8) }), { _tag: 'InvalidArgument', argument: 'scale' })
  const pipeForm = scaledSvd({ rank, scale: sc, split: 'right' })(w)
  t.same(Array.from(pipeForm.u.data), Array.from(u.data), 'data-last form')
})
