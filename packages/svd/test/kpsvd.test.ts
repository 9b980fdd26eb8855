import t from 'tap'
import { kpsvd, kron, kroneckerRearrange, matrix } from '../src/index.js'
import { F64_TOL, froMat, get, randn } from './helpers.js'

t.test('kron and the rearrangement are consistent; kpsvd recovers a Kronecker product', async (t) => {
  const b = randn('f64', 3, 2, 1), c = randn('f64', 4, 5, 2)
  const k = kron(b, c)
  t.same(k.shape, [12, 10])
  t.equal(get(k, 1 * 4 + 2, 1 * 5 + 3), get(b, 1, 1) * get(c, 2, 3))
  const r = kroneckerRearrange(k, { factorShape: [3, 2] })
  t.same(r.shape, [6, 20])
  t.equal(get(r, 1 * 2 + 1, 2 * 5 + 3), get(b, 1, 1) * get(c, 2, 3), 'R(B⊗C) = vec(B)·vec(C)ᵀ')
  const { s, b: bs, c: cs } = kpsvd(k, { factorShape: [3, 2] })
  t.ok(Math.abs(s[0]! - froMat(b) * froMat(c)) <= F64_TOL * s[0]!, 's₀ = ‖B‖·‖C‖')
  t.ok(s[1]! <= F64_TOL * s[0]!, 'one term only')
  const rec = kron(bs[0]!, cs[0]!)
  let e = 0
  for (let i = 0; i < 12; i++) for (let j = 0; j < 10; j++) e = Math.max(e, Math.abs(s[0]! * get(rec, i, j) - get(k, i, j)))
  t.ok(e <= F64_TOL * s[0]!, 'A = s₀·b₀⊗c₀')
})

t.test('all terms reconstruct A; r terms give the tail error (Van Loan–Pitsianis optimality)', async (t) => {
  const a = randn('f64', 6, 8, 3)
  const { s, b, c } = kpsvd(a, { factorShape: [2, 4] })
  const rec = new Float64Array(48), r1 = new Float64Array(48)
  s.forEach((sk, k) => { const kk = kron(b[k]!, c[k]!); for (let i = 0; i < 48; i++) { rec[i] += sk * kk.data[i]!; if (k === 0) r1[i] = sk * kk.data[i]! } })
  let e = 0, e1 = 0
  for (let i = 0; i < 48; i++) { e = Math.max(e, Math.abs(rec[i]! - a.data[i]!)); e1 += (r1[i]! - a.data[i]!) ** 2 }
  t.ok(e <= F64_TOL * froMat(a), 'exact with all terms')
  let tail = 0; for (let k = 1; k < s.length; k++) tail += s[k]! ** 2
  t.ok(Math.abs(Math.sqrt(e1) - Math.sqrt(tail)) <= F64_TOL * 10 * froMat(a), 'rank-1 error = tail')
  t.throws(() => kpsvd(a, { factorShape: [4, 4] }), { _tag: 'ShapeMismatch' })
  t.same(Array.from(kpsvd({ factorShape: [2, 4], rank: 1 })(a).s), [s[0]], 'data-last form')
  t.throws(() => kpsvd(matrix(new Float32Array([1, Number.NaN, 0, 0]), 2, 2), { factorShape: [1, 1] }), { _tag: 'NotFinite' })
})
