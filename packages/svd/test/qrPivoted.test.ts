import t from 'tap'
import fc from 'fast-check'
import { qrPivoted, matrix, gemm, type Mat } from '../src/index.js'
import { asStridedView, F64_TOL, froMat, get, mul, orthErrCols, randn } from './helpers.js'

const permuted = (a: Mat, perm: Int32Array): Mat => {
  const [m, n] = a.shape, out = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = get(a, i, perm[j]!)
  return matrix(out, m, n)
}

t.test('A·P = Q·R, |diag R| non-increasing, numerical rank of low-rank inputs', async (t) => {
  for (const [m, n, rank] of [[12, 8, 3], [8, 12, 5], [10, 10, 10], [6, 1, 1], [1, 6, 1]] as const) {
    const a = rank === Math.min(m, n) ? randn('f64', m, n, m + n) : gemm(randn('f64', m, rank, 1), randn('f64', rank, n, 2))
    const { q, r, perm, rank: got } = qrPivoted(a)
    t.equal(got, rank, `[${m},${n}] rank ${rank}`)
    t.same([...perm].sort((x, y) => x - y), Array.from({ length: n }, (_, i) => i), 'perm is a permutation')
    const ap = permuted(a, perm), qr_ = mul(q, r)
    let e = 0
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) e = Math.max(e, Math.abs(get(ap, i, j) - qr_[i * n + j]!))
    t.ok(e <= F64_TOL * froMat(a), `[${m},${n}] A·P = Q·R (${e.toExponential(2)})`)
    t.ok(orthErrCols(q) <= F64_TOL, 'Q orthonormal')
    let mono = true
    for (let i = 1; i < Math.min(m, n); i++) if (Math.abs(get(r, i, i)) > Math.abs(get(r, i - 1, i - 1)) * (1 + 1e-12)) mono = false
    t.ok(mono, '|R_ii| non-increasing')
  }
})

t.test('truncated rank, views, f32', async (t) => {
  const a = randn('f64', 9, 7, 3)
  const full = qrPivoted(a), tr = qrPivoted(a, { rank: 3 })
  t.same([tr.q.shape, tr.r.shape], [[9, 3], [3, 7]])
  t.same(Array.from(tr.perm), Array.from(full.perm), 'same pivots')
  t.same(Array.from(tr.r.data), Array.from(full.r.data.subarray(0, 21)), 'leading rows of R')
  t.doesNotThrow(() => fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 1e6 }), (m, n, seed) => {
    const x = randn('f64', m, n, seed), y = qrPivoted(x), z = qrPivoted(asStridedView(x))
    return y.r.data.every((v, i) => v === z.r.data[i]) && y.perm.every((v, i) => v === z.perm[i])
  }), { seed: 42, numRuns: 100 }))
  const f = qrPivoted(randn('f32', 5, 4, 2))
  t.ok(f.q.data instanceof Float32Array && f.rank === 4)
  t.throws(() => qrPivoted(a, { rank: 8 }), { _tag: 'InvalidArgument', argument: 'rank' })
  t.throws(() => qrPivoted(matrix(new Float64Array([Number.NaN]), 1, 1)), { _tag: 'NotFinite' })
})
