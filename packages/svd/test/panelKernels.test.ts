// The WebAssembly SIMD kernels of the bidiagonalization panel (src/internal/wasm/panelGemv.ts) equal
// the TypeScript reference gemv up to rounding, for every shape class the panel uses: odd and even
// lengths (the SIMD tail), row counts that are not a multiple of the 4-row block, strided u/x,
// alpha = ±1 and beta = 0 (output never read: NaN there must not leak) or 1.
import t from 'tap'
import fc from 'fast-check'
import { referenceGemv } from '../src/internal/gemmKernel.js'
import { panelArena, panelRuntime } from '../src/internal/wasm/panelGemv.js'
import { setCpuOptions } from '../src/cpuOptions.js'

// a dot product of k terms of |·| ≤ 1 in f64, summed in a different order: |error| ≤ k·ε·Σ|terms|;
// with entries in [−1, 1] that is ≤ k²·ε. We allow 4·k·ε·(k + 1).
const EPS = 2 ** -52
const tolFor = (k: number): number => 4 * (k + 1) * k * EPS

t.test('panel gemvT / gemvN = reference gemv (f64)', async (t) => {
  setCpuOptions({ kernel: 'simd', threads: 1 })
  const rt = panelRuntime()
  t.ok(rt !== null, 'WebAssembly SIMD panel kernels load on Node ≥ 22')
  if (rt === null) return
  t.doesNotThrow(() => fc.assert(fc.property(
    fc.integer({ min: 0, max: 37 }), fc.integer({ min: 0, max: 41 }), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 3 }),
    fc.constantFrom(1, -1), fc.constantFrom(0, 1), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    (rows, cols, pad, inc, alpha, beta, seed) => {
      const lda = cols + pad
      const size = rows * lda + 2 * (Math.max(rows, cols) * inc + 8)
      const ar = panelArena(rt, size)!
      let s = seed >>> 0
      for (let i = 0; i < size; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; ar[i] = s / 2 ** 31 - 1 }
      const uo = rows * lda + 1, yo = uo + Math.max(rows, cols) * inc + 3
      const k = Math.max(rows, cols)
      // T: y[j] = alpha·Σ_r u[r·inc]·A[r, j] + beta·y[j]
      const yRef = ar.slice(yo, yo + cols)
      const arT = ar.slice()
      referenceGemv(cols, rows, alpha, arT, 1, lda, 0, arT, inc, uo, beta, yRef, 1, 0)
      if (beta === 0) ar.fill(NaN, yo, yo + cols)
      rt.gemvT(0, lda, rows, cols, uo, inc, yo, alpha, beta)
      for (let j = 0; j < cols; j++) if (!(Math.abs(ar[yo + j]! - yRef[j]!) <= tolFor(k))) return false
      // N: x[r·inc] = alpha·Σ_j A[r, j]·w[j] + beta·x[r·inc]  (w contiguous at uo)
      for (let i = 0; i < arT.length; i++) ar[i] = arT[i]!
      const xRef = ar.slice()
      referenceGemv(rows, cols, alpha, xRef, lda, 1, 0, xRef, 1, uo, beta, xRef, inc, yo)
      if (beta === 0) for (let r = 0; r < rows; r++) ar[yo + r * inc] = NaN
      rt.gemvN(0, lda, rows, cols, uo, yo, inc, alpha, beta)
      for (let r = 0; r < rows; r++) if (!(Math.abs(ar[yo + r * inc]! - xRef[yo + r * inc]!) <= tolFor(k))) return false
      return true
    }), { seed: 42, numRuns: 300 }), 'wasm = reference on 300 random shapes, strides, alpha, beta')
})

t.test('panel gemvFused = its definition (x-product of one column, update and y-product of the next)', async (t) => {
  setCpuOptions({ kernel: 'simd', threads: 1 })
  const rt = panelRuntime()
  if (rt === null) { t.fail('no panel runtime'); return }
  t.doesNotThrow(() => fc.assert(fc.property(
    fc.integer({ min: 1, max: 23 }), fc.integer({ min: 1, max: 29 }), fc.integer({ min: 0, max: 3 }), fc.double({ min: -2, max: 2, noNaN: true }),
    fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    (rows, cols, pad, tp, seed) => {
      const lda = cols + pad
      const oW = rows * lda, oX = oW + cols + 1, oZ = oX + rows + 1, oQ = oZ + rows + 1, size = oQ + cols + 1
      const ar = panelArena(rt, size)!
      let s = seed >>> 0
      for (let i = 0; i < size; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; ar[i] = s / 2 ** 31 - 1 }
      const a0 = ar.slice()
      ar.fill(NaN, oQ, oQ + cols - 1) // q is overwritten, never read
      rt.gemvFused(0, lda, rows, cols, oW, oX, oZ, oQ, tp)
      const q = new Float64Array(cols)
      for (let r = 0; r < rows; r++) {
        let dot = 0
        for (let j = 0; j < cols; j++) dot += a0[r * lda + j]! * a0[oW + j]!
        const x = tp * (dot + a0[oX + r]!), u = a0[r * lda]! + a0[oZ + r]! - x
        if (!(Math.abs(ar[oX + r]! - x) <= tolFor(cols) * 2)) return false
        if (!(Math.abs(ar[r * lda]! - u) <= tolFor(cols) * 4)) return false
        if (r >= 1) for (let j = 0; j < cols - 1; j++) q[j] += u * a0[r * lda + 1 + j]!
      }
      for (let j = 0; j < cols - 1; j++) if (!(Math.abs(ar[oQ + j]! - q[j]!) <= tolFor(rows) * 4 * (cols + 2))) return false
      return true
    }), { seed: 42, numRuns: 300 }), 'fused pass = definition on 300 random shapes')
})

t.test('kernel "ts" disables the panel kernels', async (t) => {
  setCpuOptions({ kernel: 'ts' })
  t.equal(panelRuntime(), null)
  setCpuOptions({ kernel: 'auto' })
  t.not(panelRuntime(), null)
})
