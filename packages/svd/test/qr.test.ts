import t from 'tap'
import fc from 'fast-check'
import { qr, matrix, transpose, type Mat } from '../src/index.js'
import { asStridedView, froMat, get, mul, orthErrCols, randn, tolOf } from './helpers.js'

const residual = (a: Mat, q: Mat, r: Mat): number => {
  const qr_ = mul(q, r), [m, n] = a.shape
  let e = 0
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { const d = get(a, i, j) - qr_[i * n + j]!; e += d * d }
  return Math.sqrt(e)
}
const isUpper = (r: Mat): boolean => {
  for (let i = 0; i < r.shape[0]; i++) for (let j = 0; j < Math.min(i, r.shape[1]); j++) if (get(r, i, j) !== 0) return false
  return true
}

t.test('qr reduced/complete/r on tall, wide, square, rank-deficient, empty; f32 and f64', async (t) => {
  const shapes = [[9, 4], [4, 9], [6, 6], [1, 5], [5, 1], [0, 3], [3, 0]] as const
  for (const dtype of ['f64', 'f32'] as const) for (const [m, n] of shapes) {
    const a = randn(dtype, m, n, m * 10 + n), tol = tolOf(a), k = Math.min(m, n), na = Math.max(froMat(a), 1)
    const red = qr(a)
    t.same([red.q.shape, red.r.shape], [[m, k], [k, n]], `${dtype} [${m},${n}] reduced shapes`)
    t.ok(residual(a, red.q, red.r) / na <= tol && orthErrCols(red.q) <= tol && isUpper(red.r), `${dtype} [${m},${n}] reduced: A = QR, QᵀQ = I, R upper`)
    const full = qr(a, { mode: 'complete' })
    t.same([full.q.shape, full.r.shape], [[m, m], [m, n]], `${dtype} [${m},${n}] complete shapes`)
    t.ok(residual(a, full.q, full.r) / na <= tol && orthErrCols(full.q) <= tol && isUpper(full.r), `${dtype} [${m},${n}] complete`)
    const { r } = qr(a, { mode: 'r' })
    t.same(Array.from(r.data), Array.from(red.r.data), `${dtype} [${m},${n}] mode r = reduced R`)
  }
  const lowRank = matrix(Float64Array.from({ length: 8 * 5 }, (_, i) => (i % 5) * ((i / 5) | 0)), 8, 5) // rank 1
  const { q, r } = qr(lowRank)
  t.ok(residual(lowRank, q, r) / froMat(lowRank) <= 1e-12 && orthErrCols(q) <= 1e-12, 'rank-deficient: Q still orthonormal')
})

t.test('property: views give identical results; data-last form', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 1e6 }), (m, n, seed) => {
    const a = randn('f64', m, n, seed)
    const x = qr(a), y = qr(asStridedView(a))
    return x.q.data.every((v, i) => v === y.q.data[i]) && x.r.data.every((v, i) => v === y.r.data[i]) && residual(a, x.q, x.r) <= 1e-12 * Math.max(1, froMat(a))
  }), { seed: 42, numRuns: 150 }))
  const a = randn('f64', 5, 3, 9)
  t.same(qr({ mode: 'r' })(a).r.data, qr(a, { mode: 'r' }).r.data)
  t.same(qr(transpose(a)).r.shape, [3, 5])
})

t.test('qr errors', async (t) => {
  t.throws(() => qr(matrix(new Float64Array([1, Number.NaN]), 1, 2)), { _tag: 'NotFinite', input: 'a', index: [0, 1] })
})
