import t from 'tap'
import fc from 'fast-check'
import { denseLinear, loraLinear, factoredLinear } from '../src/eval/linear.js'

/** f64 reference of y = x·Wᵀ for row-major x [n, k], w [m, k]. */
const naive = (x: Float32Array, w: Float64Array | Float32Array, n: number, m: number, k: number): Float64Array => {
  const y = new Float64Array(n * m)
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) { let s = 0; for (let p = 0; p < k; p++) s += x[i * k + p]! * w[j * k + p]!; y[i * m + j] = s }
  return y
}
/** Products accumulate in f64 and round once to f32: relative error ≤ 2⁻²⁴ per output (plus the f32 rounding of
 *  the LoRA/factored intermediate, ≤ 2⁻²⁴·k·max|term|); 1e-5 relative to the row scale covers both with margin. */
const REL_TOL = 1e-5
const close = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  let scale = 1e-30, err = 0
  for (let i = 0; i < a.length; i++) { scale = Math.max(scale, Math.abs(b[i]!)); err = Math.max(err, Math.abs(a[i]! - b[i]!)) }
  return err <= REL_TOL * scale
}
const dims = fc.record({ n: fc.integer({ min: 1, max: 9 }), m: fc.integer({ min: 1, max: 11 }), k: fc.integer({ min: 1, max: 13 }), r: fc.integer({ min: 1, max: 5 }), seed: fc.integer() })
const fill = (len: number, seed: number): Float32Array => {
  let s = seed >>> 0 || 1
  return Float32Array.from({ length: len }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1 })
}

t.test('denseLinear equals x·Wᵀ (edges of the 4×4 blocking included)', async (t) => {
  fc.assert(fc.property(dims, ({ n, m, k, seed }) => {
    const x = fill(n * k, seed), w = fill(m * k, seed + 1)
    return close(denseLinear(w, m, k).apply(x, n), naive(x, w, n, m, k))
  }), { seed: 42 })
  t.throws(() => denseLinear(new Float32Array(5), 2, 3))
})

t.test('loraLinear (unmerged) equals the dense layer with W + scaling·B·A merged', async (t) => {
  fc.assert(fc.property(dims, ({ n, m, k, r, seed }) => {
    const x = fill(n * k, seed), w = fill(m * k, seed + 1), a = fill(r * k, seed + 2), b = fill(m * r, seed + 3), s = 1.5
    const merged = new Float64Array(m * k)
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) { let d = 0; for (let p = 0; p < r; p++) d += b[i * r + p]! * a[p * k + j]!; merged[i * k + j] = w[i * k + j]! + s * d }
    return close(loraLinear(denseLinear(w, m, k), a, b, { rank: r, scaling: s }).apply(x, n), naive(x, merged, n, m, k))
  }), { seed: 42 })
})

t.test('factoredLinear equals the dense layer with W = U·V', async (t) => {
  fc.assert(fc.property(dims, ({ n, m, k, r, seed }) => {
    const x = fill(n * k, seed), u = fill(m * r, seed + 1), v = fill(r * k, seed + 2)
    const w = new Float64Array(m * k)
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) { let d = 0; for (let p = 0; p < r; p++) d += u[i * r + p]! * v[p * k + j]!; w[i * k + j] = d }
    const lin = factoredLinear(u, v, { out: m, in: k, rank: r })
    return close(lin.apply(x, n), naive(x, w, n, m, k)) && lin.storedParams === r * (m + k)
  }), { seed: 42 })
})

t.test('fairy2iLinear (packed, multiplication-free) equals the dense layer of the dequantized weights', async (t) => {
  const { fairy2iQuantize, fairy2iDequantize } = await import('@lr/quant-complex')
  const { matrix, toContiguous } = await import('@lr/svd')
  const { fairy2iLinear } = await import('../src/eval/linear.js')
  fc.assert(fc.property(fc.record({ n: fc.integer({ min: 1, max: 5 }), m2: fc.integer({ min: 1, max: 8 }), k2: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.constantFrom(16, 32, 48)), seed: fc.integer() }), ({ n, m2, k2, seed }) => {
    const m = 2 * m2, k = 2 * k2
    const w = fill(m * k, seed), x = fill(n * k, seed + 7)
    const p = fairy2iQuantize(matrix(w, m, k), { stages: 2 })
    const dense = toContiguous(fairy2iDequantize(p)).data
    // Both sides round in f32: the kernel's sums (recursive summation) and the dequantized weights (a sum of the
    // scales of U and W, which may cancel). Bound per output: 2·(k+4)·2⁻²⁴·Σ_p|x_p|·S, S = the sum of every scale.
    const S = p.stages.reduce((a, st) => a + st.u.scaleRe + st.u.scaleIm + st.w.scaleRe + st.w.scaleIm, 0)
    const y = fairy2iLinear(p).apply(x, n), ref = naive(x, dense, n, m, k)
    return Array.from(y).every((v, i) => {
      let sx = 0
      for (let q = 0; q < k; q++) sx += Math.abs(x[Math.floor(i / m) * k + q]!)
      return Math.abs(v - ref[i]!) <= 2 * (k + 4) * 2 ** -24 * sx * S
    })
  }), { seed: 42 })
})
