import t from 'tap'
import { matrix } from '@lr/svd'
import { calibratedError } from '../src/index.js'
import { product, randMat } from './helpers.js'

t.test('tr(E C Eᵀ) equals ‖E X‖² for C = X Xᵀ', async (t) => {
  const w = randMat(5, 6, 1), a = randMat(5, 6, 2), x = randMat(6, 9, 3)
  const c = product(x, { data: x.data, shape: [9, 6], stride: [1, 9], offset: 0 } as never)
  const e = matrix(Float64Array.from(w.data, (v, i) => v - a.data[i]!), 5, 6)
  const ex = product(e, x)
  let want = 0
  for (const v of ex.data) want += v * v
  const got = calibratedError(w, a, c)
  t.ok(Math.abs(got - want) <= 1e-9 * want, `${got} vs ${want}`)
  t.throws(() => calibratedError(w, randMat(5, 5, 1)), { _tag: 'ShapeMismatch' })
})
