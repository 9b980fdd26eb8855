import t from 'tap'
import fc from 'fast-check'
import { rankForRatio } from '../src/index.js'

t.test('rank keeps at most (1 − ratio) of the parameters, and rank + 1 would keep more', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 5000 }), fc.integer({ min: 2, max: 5000 }), fc.double({ min: 0.01, max: 0.9, noNaN: true }), (m, n, ratio) => {
    const cap = Math.floor(((1 - ratio) * m * n) / (m + n))
    if (cap < 1) return true
    const r = rankForRatio(m, n, ratio)
    return r * (m + n) <= (1 - ratio) * m * n + 1e-6 && (r === Math.min(m, n) || (r + 1) * (m + n) > (1 - ratio) * m * n)
  }), { seed: 42 })
  t.equal(rankForRatio(256, 768, 0.4), 115)
  t.equal(rankForRatio(4096, 4096, 0.2), 1638)
})

t.test('bad ratios', async (t) => {
  for (const r of [0, 1, -0.1, 1.5, NaN]) t.throws(() => rankForRatio(10, 10, r), { _tag: 'InvalidArgument' }, `ratio ${r}`)
  t.throws(() => rankForRatio(2, 2, 0.9), { _tag: 'InvalidArgument' }, 'rank 0')
})
