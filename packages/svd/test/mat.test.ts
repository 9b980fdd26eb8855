import t from 'tap'
import fc from 'fast-check'
import { matrix, transpose, toContiguous, at, sliceCols } from '../src/index.js'

t.test('transpose is a view that swaps indices', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 7 }), (r, c) => {
    const a = matrix(Float64Array.from({ length: r * c }, (_, i) => i), r, c)
    const at_ = transpose(a)
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) if (at(at_, j, i) !== at(a, i, j)) return false
    return at_.data === a.data && toContiguous(at_).data.length === r * c
  }), { seed: 42 })
  const m = matrix(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3)
  t.same(Array.from(toContiguous(sliceCols(m, 1, 3)).data), [2, 3, 5, 6])
})
