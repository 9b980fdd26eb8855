import t from 'tap'
import { fwsvdCompress, svdCompress } from '../src/index.js'
import { frob2Diff, product, randMat } from './helpers.js'

const weighted = (w: ReturnType<typeof randMat>, a: { data: ArrayLike<number> }, imp: Float64Array): number => {
  const [m, n] = w.shape
  let s = 0
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { const d = w.data[i * n + j]! - a.data[i * n + j]!; s += imp[i]! * d * d }
  return s
}

t.test('FWSVD minimises the Fisher-weighted error; uniform importances give plain SVD', async (t) => {
  const w = randMat(30, 20, 5)
  const imp = Float64Array.from({ length: 30 }, (_, i) => (i < 5 ? 100 : 1))
  const f = fwsvdCompress(w, imp, { rank: 4 }), s = svdCompress(w, { rank: 4 })
  const ef = weighted(w, product(f.u, f.v), imp), es = weighted(w, product(s.u, s.v), imp)
  t.ok(ef < es, `weighted error FWSVD ${ef} < SVD ${es}`)
  const u = fwsvdCompress(w, new Float64Array(30).fill(3), { rank: 4 })
  t.ok(Math.abs(frob2Diff(w, product(u.u, u.v)) - frob2Diff(w, product(s.u, s.v))) < 1e-6)
})

t.test('bad importances', async (t) => {
  const w = randMat(6, 4, 1)
  t.throws(() => fwsvdCompress(w, new Float64Array(5).fill(1), { rank: 2 }), { _tag: 'InvalidArgument' })
  t.throws(() => fwsvdCompress(w, Float64Array.from([1, 1, 1, -1, 1, 1]), { rank: 2 }), { _tag: 'InvalidArgument' })
  t.throws(() => fwsvdCompress(w, new Float64Array(6), { rank: 2 }), { _tag: 'InvalidArgument' })
})
