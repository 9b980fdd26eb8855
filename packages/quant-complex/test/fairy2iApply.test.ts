import t from 'tap'
import fc from 'fast-check'
import { transpose, toContiguous, type Mat } from '@lr/svd'
import { fairy2iQuantize, fairy2iDequantize, fairy2iApply, type Fairy2iPacked } from '../src/index.js'
import { EPS32, gaussian, rowMajor, matvec64, holds } from './helpers.js'

// Bound on |y − D·x| with D = fairy2iDequantize (f32): D's entries are f32 sums of ≤ 2T stage values (≤ 2T roundings of
// ε relative to Σ|q_t|), the apply's table entries are sums of ≤ 4 terms rounded once to f32 (ε), its accumulators are f64,
// and the result is rounded once (ε). So |y_j − (D·x)_j| ≤ (2T + 2)·ε·S·Σ_k|x_k| + ε|y_j| with S = Σ_t 2·max(s_re, s_im)
// the largest |Σ_t q_t| a code path can reach.
const tolerance = (p: Fairy2iPacked, x: ArrayLike<number>, y: number): number => {
  let s = 0
  for (const st of p.stages) s += 2 * Math.max(st.u.scaleRe, st.u.scaleIm, st.w.scaleRe, st.w.scaleIm)
  let l1 = 0
  for (let k = 0; k < x.length; k++) l1 += Math.abs(x[k]!)
  return (2 * p.stages.length + 2) * EPS32 * s * l1 + EPS32 * Math.abs(y)
}

const checkAgainstDense = (p: Fairy2iPacked, x: Mat<Float32Array>, y: Mat<Float32Array>): boolean => {
  const d = fairy2iDequantize(p).data
  const xc = toContiguous(x)
  for (let b = 0; b < x.shape[0]; b++) {
    const xb = xc.data.subarray(b * p.cols, (b + 1) * p.cols)
    const want = matvec64(d, p.rows, p.cols, xb)
    for (let j = 0; j < p.rows; j++) {
      const got = y.data[y.offset + b * y.stride[0] + j * y.stride[1]]!
      if (Math.abs(got - want[j]!) > tolerance(p, xb, want[j]!)) return false
    }
  }
  return true
}

t.test('equals the dense dequantized product up to f32 rounding (any shape, T, batch)', async (t) => {
  holds(t, fc.property(
    fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 21 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 1e6 }),
    (n, m, stages, batch, seed) => {
      const p = fairy2iQuantize(rowMajor(gaussian(4 * n * m, seed), 2 * n, 2 * m), { stages })
      const x = rowMajor(gaussian(batch * 2 * m, seed + 9), batch, 2 * m)
      return checkAgainstDense(p, x, fairy2iApply(p, x))
    }))
})

t.test('word (16 codes) and byte paths, batch 1 and 16, at a realistic size', async (t) => {
  for (const [rows, cols] of [[256, 512], [64, 72], [34, 70]] as const) { // m % 16 = 0 (u32 words), m % 4 = 0, m % 4 = 3
    const p = fairy2iQuantize(rowMajor(gaussian(rows * cols, rows + cols), rows, cols), { stages: 2 })
    for (const batch of [1, 16]) {
      const x = rowMajor(gaussian(batch * cols, batch), batch, cols)
      t.ok(checkAgainstDense(p, x, fairy2iApply(p, x)), `[${rows}, ${cols}] batch ${batch}`)
    }
  }
})

t.test('misaligned codes (byte path), strided x, a vector x, and out', async (t) => {
  const p = fairy2iQuantize(rowMajor(gaussian(32 * 64, 3), 32, 64), { stages: 2 })
  const shifted: Fairy2iPacked = { ...p, stages: p.stages.map((s) => ({
    u: { ...s.u, codes: (() => { const b = new Uint8Array(s.u.codes.length + 1); b.set(s.u.codes, 1); return b.subarray(1) })() }, w: s.w })) }
  const xt = transpose(rowMajor(gaussian(64 * 3, 4), 64, 3)) // [3, 64] column-major view
  const y = fairy2iApply(p, xt)
  t.ok(checkAgainstDense(p, xt, y))
  t.same(Array.from(fairy2iApply(shifted, xt).data), Array.from(y.data), 'byte path = word path')
  const row1 = toContiguous(xt).data.subarray(64, 128)
  t.same(Array.from(fairy2iApply(p, Float32Array.from(row1)).data), Array.from(y.data.subarray(32, 64)))
  const out = rowMajor(new Float32Array(3 * 32), 3, 32)
  t.equal(fairy2iApply(p, xt, { out }), out)
  t.same(Array.from(out.data), Array.from(y.data))
})

t.test('errors', async (t) => {
  const p = fairy2iQuantize(rowMajor(gaussian(16, 3), 4, 4))
  t.throws(() => fairy2iApply(p, new Float32Array(5), { name: 'q_proj' }), { _tag: 'ShapeMismatch' })
  t.throws(() => fairy2iApply(p, new Float32Array([0, NaN, 0, 0])), { _tag: 'NotFinite' })
  t.throws(() => fairy2iApply({ ...p, stages: [] }, new Float32Array(4)), { _tag: 'Fairy2iFormatError' })
})
