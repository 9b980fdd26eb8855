import t from 'tap'
import { cholesky, matrix, transpose, gemm, type Mat } from '../src/index.js'
import { asStridedView, froMat, get, mul, randn } from './helpers.js'

/** Cholesky is backward stable: ‖LLᵀ − A‖ ≤ c·n·ε·‖A‖. */
const CHOL_TOL = { f64: 1e-13, f32: 1e-6 }

const spd = (dtype: 'f32' | 'f64', n: number, seed: number): Mat => {
  const g = randn('f64', n + 3, n, seed)
  const a = gemm(transpose(g), g)
  return dtype === 'f64' ? a : matrix(Float32Array.from(a.data), n, n)
}
const relResidual = (a: Mat, l: Mat): number => {
  const llt = mul(l, transpose(l)), n = a.shape[0]
  let e = 0
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { const d = get(a, i, j) - llt[i * n + j]!; e += d * d }
  return Math.sqrt(e) / froMat(a)
}

t.test('cholesky: A = LLᵀ, L lower with positive diagonal, across block edges', async (t) => {
  for (const dtype of ['f64', 'f32'] as const) for (const n of [1, 2, 5, 63, 64, 65, 130]) {
    const a = spd(dtype, n, n), l = cholesky(a)
    let lower = true
    for (let i = 0; i < n; i++) { if (!(get(l, i, i) > 0)) lower = false; for (let j = i + 1; j < n; j++) if (get(l, i, j) !== 0) lower = false }
    t.ok(lower, `${dtype} n=${n}: lower, positive diagonal`)
    t.ok(relResidual(a, l) <= CHOL_TOL[dtype], `${dtype} n=${n}: ‖LLᵀ−A‖/‖A‖ = ${relResidual(a, l).toExponential(2)}`)
    t.equal(l.data.constructor, a.data.constructor)
  }
  const a = spd('f64', 7, 1)
  t.same(cholesky(asStridedView(a)).data, cholesky(a).data, 'strided view: identical')
  t.same(Array.from(cholesky(matrix(new Float64Array([4, 2, 2, 3]), 2, 2)).data).map((x) => +x.toFixed(12)), [2, 0, 1, +Math.SQRT2.toFixed(12)])
  t.same(cholesky(matrix(new Float64Array([4, 999, 2, 3]), 2, 2)).data, cholesky(matrix(new Float64Array([4, 2, 2, 3]), 2, 2)).data, 'reads the lower triangle only')
})

t.test('cholesky errors', async (t) => {
  t.throws(() => cholesky(matrix(new Float64Array([1, 2, 2, 1]), 2, 2)), { _tag: 'NotPositiveDefinite', pivot: 1 })
  t.throws(() => cholesky(matrix(new Float64Array([0, 0, 0, 1]), 2, 2)), { _tag: 'NotPositiveDefinite', pivot: 0 })
  t.throws(() => cholesky(matrix(new Float64Array(6), 2, 3)), { _tag: 'ShapeMismatch' })
  t.throws(() => cholesky(matrix(new Float64Array([1, 0, Number.NaN, 1]), 2, 2)), { _tag: 'NotFinite' })
})
