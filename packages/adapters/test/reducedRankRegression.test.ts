import t from 'tap'
import fc from 'fast-check'
import { matrix, svd, transpose, type Mat } from '@lr/svd'
import { reducedRankRegression } from '../src/extract/reducedRankRegression.js'
import { fro, matmul, maxDiff, randomMat } from './helpers.js'

const f64 = (m: Mat): Mat<Float64Array> => {
  const [r, c] = m.shape, out = new Float64Array(r * c)
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!
  return matrix(out, r, c)
}
const sub = (a: Mat, b: Mat): Mat<Float64Array> => { const x = f64(a), y = f64(b); return matrix(x.data.map((v, i) => v - y.data[i]!), x.shape[0], x.shape[1]) }

/** Brute force: the fitted values of the best rank-r regression are [P_X T]_r, P_X = Uₓ Uₓᵀ from the thin SVD of X
 *  itself (not its Gram matrix), truncated by an SVD of the n × out matrix. */
const bruteFitted = (x: Mat<Float64Array>, tgt: Mat<Float64Array>, r: number, xRank: number): Mat<Float64Array> => {
  const ux = svd(x).u
  const u = matrix(Float64Array.from({ length: x.shape[0] * xRank }, (_, i) => ux.data[Math.floor(i / xRank) * ux.shape[1] + (i % xRank)]!), x.shape[0], xRank)
  const p = matmul(u, matmul(transpose(u), tgt))
  const { u: pu, s, vt } = svd(p)
  const out = new Float64Array(p.shape[0] * p.shape[1])
  for (let i = 0; i < p.shape[0]; i++) for (let j = 0; j < p.shape[1]; j++) {
    let v = 0
    for (let k = 0; k < r; k++) v += pu.data[i * pu.shape[1] + k]! * s[k]! * vt.data[k * vt.shape[1] + j]!
    out[i * p.shape[1] + j] = v
  }
  return matrix(out, p.shape[0], p.shape[1])
}

const solve = (x: Mat<Float64Array>, tgt: Mat<Float64Array>, rank: number) =>
  reducedRankRegression(matmul(transpose(x), x), matmul(transpose(x), tgt), { rank, tokens: x.shape[0] })

t.test('X·Mᵀ equals the brute-force [P_X T]_r (full-column-rank X, random shapes)', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 9 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 1000 }), (inF, outF, r0, seed) => {
    const n = inF + 12, r = Math.min(r0, inF, outF)
    const x = f64(randomMat(n, inF, seed)), tgt = f64(randomMat(n, outF, seed + 1))
    const rr = solve(x, tgt, r0)
    if (rr.rank !== r || rr.inputRank !== inF) return false
    const m = matmul(rr.b, rr.a)
    const fitted = matmul(x, transpose(m))
    return maxDiff(fitted, bruteFitted(x, tgt, r, inF)) < 1e-6 * (fro(tgt) + 1)
  }), { seed: 7 })
})

t.test('at full rank it is ordinary least squares; the optimum beats the truncated OLS solution', async (t) => {
  const x = f64(randomMat(40, 6, 3)), tgt = f64(randomMat(40, 5, 4))
  // full rank: normal equations XᵀX·Mᵀ = XᵀT
  const full = solve(x, tgt, 5)
  const mt = transpose(matmul(full.b, full.a))
  t.ok(maxDiff(matmul(matmul(transpose(x), x), mt), matmul(transpose(x), tgt)) < 1e-5 * fro(matmul(transpose(x), tgt)), 'normal equations hold (A, B are f32)')
  // rank 2: ‖XMᵀ − T‖ ≤ ‖X·[M_ols]_2ᵀ − T‖ (the plain per-matrix truncation of the same ΔW)
  const rr = solve(x, tgt, 2)
  const { u, s, vt } = svd(matmul(full.b, full.a))
  const trunc = matrix(new Float64Array(5 * 6), 5, 6)
  for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) for (let k = 0; k < 2; k++) trunc.data[i * 6 + j] += u.data[i * u.shape[1] + k]! * s[k]! * vt.data[k * 6 + j]!
  const objective = (m: Mat) => fro(sub(matmul(x, transpose(m)), tgt))
  t.ok(objective(matmul(rr.b, rr.a)) <= objective(trunc) + 1e-6 * fro(tgt))
  const fitErr = objective(matmul(rr.b, rr.a)) ** 2
  const tail = Array.from(rr.singularValues).slice(2).reduce((a, v) => a + v * v, 0)
  const resid = fro(tgt) ** 2 - Array.from(rr.singularValues).reduce((a, v) => a + v * v, 0)
  t.ok(Math.abs(fitErr - (resid + tail)) < 1e-5 * fro(tgt) ** 2, '‖XMᵀ − T‖² = ‖T‖² − Σ_{i<r} σᵢ(G)²')
})

t.test('rank-deficient X: minimum-norm solution, no change along directions X never spans', async (t) => {
  const x0 = f64(randomMat(30, 4, 11))
  // X = [x0, x0·c]: 6 columns of rank 4; its null space is spanned by [c; −I]
  const c = f64(randomMat(4, 2, 12))
  const x = matrix(new Float64Array(30 * 6), 30, 6)
  const x0c = matmul(x0, c)
  for (let i = 0; i < 30; i++) { for (let j = 0; j < 4; j++) x.data[i * 6 + j] = x0.data[i * 4 + j]!; for (let j = 0; j < 2; j++) x.data[i * 6 + 4 + j] = x0c.data[i * 2 + j]! }
  const tgt = f64(randomMat(30, 5, 13))
  const rr = solve(x, tgt, 3)
  t.equal(rr.inputRank, 4)
  const m = matmul(rr.b, rr.a)
  t.ok(maxDiff(matmul(x, transpose(m)), bruteFitted(x, tgt, 3, 4)) < 1e-5 * fro(tgt), 'optimal fitted values')
  for (let k = 0; k < 2; k++) {
    const v = matrix(new Float64Array(6), 6, 1)
    for (let j = 0; j < 4; j++) v.data[j] = c.data[j * 2 + k]!
    v.data[4 + k] = -1
    t.ok(fro(matmul(m, v)) < 1e-5 * fro(m), `M·v = 0 for null direction ${k}`)
  }
  t.equal(rr.a.data instanceof Float32Array && rr.b.data instanceof Float32Array, true, 'f32 factors')
  t.same(rr.a.shape, [3, 6]); t.same(rr.b.shape, [5, 3])
})

t.test('argument checks', async (t) => {
  const g = matrix(new Float64Array(4), 2, 2), cr = matrix(new Float64Array(6), 3, 2)
  t.throws(() => reducedRankRegression(g, cr, { rank: 1, tokens: 4 }), { _tag: 'ShapeMismatch' })
  t.throws(() => reducedRankRegression(g, matrix(new Float64Array(4), 2, 2), { rank: 0, tokens: 4 }), { _tag: 'InvalidArgument' })
  t.equal(reducedRankRegression(g, matrix(new Float64Array(4), 2, 2), { rank: 1, tokens: 4 }).inputRank, 0, 'X = 0: nothing to fit')
})
