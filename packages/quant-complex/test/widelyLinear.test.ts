import t from 'tap'
import fc from 'fast-check'
import { transpose, toContiguous } from '@lr/svd'
import { widelyLinear, widelyLinearToReal } from '../src/index.js'
import { EPS32, gaussian, rowMajor, matvec64, relFrobenius, holds } from './helpers.js'

// The forward map is ½(a ± b) of two f32 values (computed in f64, rounded once: ≤ ε relative to |a|+|b|), the inverse
// one more sum rounded once: |A' − A| ≤ 3ε·(|A11|+|A22|) entrywise, so ‖A' − A‖_F/‖A‖_F ≤ 3ε·√2 ≈ 2.5e-7 < 1e-6 (the bound).
const ROUND_TRIP_REL = 1e-6
const dims = fc.record({ n: fc.integer({ min: 1, max: 9 }), m: fc.integer({ min: 1, max: 9 }), seed: fc.integer({ min: 1, max: 1e6 }) })

t.test('A → (U, W) → A round-trips to f32 rounding', async (t) => {
  holds(t, fc.property(dims, ({ n, m, seed }) => {
    const a = rowMajor(gaussian(4 * n * m, seed), 2 * n, 2 * m)
    const back = widelyLinearToReal(widelyLinear(a)).data
    return relFrobenius(a.data, back) <= ROUND_TRIP_REL
  }))
  const a = rowMajor(new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), 2, 4)
  t.same(Array.from(widelyLinearToReal(widelyLinear(a)).data), [1, 2, 3, 4, 5, 6, 7, 8])
})

t.test('y = A·x equals [Re y_c; Im y_c], y_c = U·x_c + W·conj(x_c)', async (t) => {
  holds(t, fc.property(dims, ({ n, m, seed }) => {
    const a = rowMajor(gaussian(4 * n * m, seed), 2 * n, 2 * m)
    const x = gaussian(2 * m, seed + 1)
    const y = matvec64(a.data, 2 * n, 2 * m, x)
    const { u, w } = widelyLinear(a)
    let scale = 0
    for (let k = 0; k < 2 * m; k++) scale += Math.abs(x[k]!)
    for (let j = 0; j < n; j++) {
      let re = 0, im = 0
      for (let k = 0; k < m; k++) {
        const xr = x[k]!, xi = x[m + k]!, o = j * m + k
        re += u.re[o]! * xr - u.im[o]! * xi + w.re[o]! * xr + w.im[o]! * xi
        im += u.re[o]! * xi + u.im[o]! * xr - w.re[o]! * xi + w.im[o]! * xr
      }
      const tol = 4 * EPS32 * 2 * scale * 4 // each U/W entry carries ≤ ε·(|a|+|b|) error, entries ≤ 2·max|A| ~ 4σ
      if (Math.abs(re - y[j]!) > tol || Math.abs(im - y[n + j]!) > tol) return false
    }
    return true
  }))
  const { u, w } = widelyLinear(rowMajor(new Float32Array([1, 2, 3, 4]), 2, 2))
  // A11=1, A12=2, A21=3, A22=4: U = ½(1+4) + i·½(3−2), W = ½(1−4) + i·½(2+3)
  t.same([u.re[0], u.im[0], w.re[0], w.im[0]], [2.5, 0.5, -1.5, 2.5])
})

t.test('strided and transposed views give the same result as a contiguous copy', async (t) => {
  const a = rowMajor(gaussian(6 * 4, 7), 6, 4)
  const at = transpose(a)
  const viaView = widelyLinear(at), viaCopy = widelyLinear(toContiguous(at))
  t.same(Array.from(viaView.u.re), Array.from(viaCopy.u.re))
  t.same(Array.from(viaView.w.im), Array.from(viaCopy.w.im))
})

t.test('odd dimensions and non-finite values are errors naming the tensor', async (t) => {
  t.throws(() => widelyLinear(rowMajor(new Float32Array(6), 3, 2), { name: 'layers.0.q.weight' }), { _tag: 'OddDimension', tensor: 'layers.0.q.weight' })
  t.throws(() => widelyLinear(rowMajor(new Float32Array(6), 2, 3)), { _tag: 'OddDimension' })
  const bad = new Float32Array(4); bad[3] = NaN
  t.throws(() => widelyLinear(rowMajor(bad, 2, 2), { name: 'x.weight' }), { _tag: 'NotFinite', input: 'x.weight', index: [1, 1] })
})
