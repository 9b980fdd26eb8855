import t from 'tap'
import { incrementalSvd, incrementalSvdUpdate, incrementalSvdResult, svd, gemm, matrix, sliceCols, toContiguous } from '../src/index.js'
import { F64_TOL, froMat, orthErrCols, orthErrRows, randn, reconErr } from './helpers.js'

t.test('exact when the concatenation has rank ≤ rank: equals the SVD of [C₁ C₂ …]', async (t) => {
  const a = gemm(randn('f64', 20, 5, 1), randn('f64', 5, 30, 2)) // rank 5
  const blocks = [[0, 7], [7, 15], [15, 30]].map(([s, e]) => toContiguous(sliceCols(a, s!, e!)))
  const r = incrementalSvd(blocks, { rank: 8 })
  const ref = svd(a, { mode: 'values' }).s
  t.same(r.vt.shape, [r.s.length, 30])
  let err = 0
  for (let i = 0; i < 5; i++) err = Math.max(err, Math.abs(r.s[i]! - ref[i]!))
  t.ok(err <= F64_TOL * 10 * ref[0]!, `σ match (${(err / ref[0]!).toExponential(2)})`)
  t.ok(reconErr(a, r.u, r.s, r.vt) <= F64_TOL * 10 * froMat(a), 'reconstruction')
  t.ok(orthErrCols(r.u) <= F64_TOL * 10 && orthErrRows(r.vt) <= F64_TOL * 10, 'orthonormal')
})

t.test('truncated: near-optimal on a decaying spectrum; f32; errors', async (t) => {
  const n = 60, rank = 6
  const a = gemm(randn('f64', 30, n, 3), matrix(Float64Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 / (1 + Math.floor(i / n)) ** 2 : 0)), n, n))
  const blocks = Array.from({ length: 6 }, (_, b) => toContiguous(sliceCols(a, b * 10, b * 10 + 10)))
  const r = incrementalSvd(blocks, { rank })
  const sv = svd(a, { mode: 'values' }).s
  let opt = 0; for (let i = rank; i < sv.length; i++) opt += sv[i]! ** 2
  const ratio = reconErr(a, r.u, r.s, r.vt) / Math.sqrt(opt)
  t.ok(ratio <= 1.1, `error / optimal = ${ratio.toFixed(4)}`)
  const f = incrementalSvd(blocks.map((b) => matrix(Float32Array.from(b.data), 30, 10)), { rank })
  t.ok(f.u.data instanceof Float32Array && f.vt.shape[1] === n)
  const st = incrementalSvdUpdate(undefined, blocks[0]!, { rank })
  t.same(incrementalSvdResult(st).vt.shape, [rank, 10])
  t.throws(() => incrementalSvdUpdate(st, randn('f64', 29, 3, 1), { rank }), { _tag: 'ShapeMismatch' })
  t.throws(() => incrementalSvd([], { rank }), { _tag: 'InvalidArgument' })
})
