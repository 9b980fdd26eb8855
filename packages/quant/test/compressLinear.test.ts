import t from 'tap'
import { matrix } from '@lr/svd'
import { compressLinear, svdCompress } from '../src/index.js'
import { frob2Diff, product, randMat } from './helpers.js'

t.test('dispatches to the method and needs its statistics', async (t) => {
  const w = randMat(8, 6, 1)
  const c = matrix(Float64Array.from({ length: 36 }, (_, i) => (i % 7 === 0 ? 2 : 0)), 6, 6)
  const a = compressLinear(w, { method: 'svd', rank: 2 }), b = svdCompress(w, { rank: 2 })
  t.equal(frob2Diff(product(a.u, a.v), product(b.u, b.v)), 0)
  // with C = 2·I every method reduces to the plain truncation
  for (const method of ['svd-llm', 'asvd'] as const) {
    const x = compressLinear(w, { method, rank: 2, covariance: c })
    t.ok(Math.abs(frob2Diff(w, product(x.u, x.v)) - frob2Diff(w, product(b.u, b.v))) < 1e-9, method)
  }
  t.throws(() => compressLinear(w, { method: 'svd-llm', rank: 2 }), { _tag: 'InvalidArgument' })
  t.throws(() => compressLinear(w, { method: 'asvd', rank: 2 }), { _tag: 'InvalidArgument' })
  t.throws(() => compressLinear(w, { method: 'fwsvd', rank: 2 }), { _tag: 'InvalidArgument' })
  t.throws(() => compressLinear(w, { method: 'nope' as 'svd', rank: 2 }), { _tag: 'InvalidArgument' })
})
