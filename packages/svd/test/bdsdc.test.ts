// Divide-and-conquer bidiagonal SVD (internal bdsdc, LAPACK dbdsdc port) against the bidiagonal QR
// reference (bdsqr): singular values agree, B = U·Σ·Vᵀ, UᵀU = I, VᵀV = I, on random bidiagonals of
// every size n = 1…40 (leaves are ≤ 25, so 26…40 take one merge) and on the deflation cases (repeated
// values, zero diagonal entries, negligible off-diagonals, graded matrices, zero matrix). Then the
// blocked back-transformation (dormbr) equals forming Q, P and multiplying, and svd's vectors on the
// D&C path meet the same bounds on every CPU path (TS, SIMD, relaxed SIMD × 1 and 2 threads).
import t from 'tap'
import fc from 'fast-check'
import { bdsdc, SMLSIZ } from '../src/internal/bdsdc.js'
import { bdsqr, formUt, formVt } from '../src/internal/svdKernel.js'
import { bidiagonalizeBlocked } from '../src/internal/blocked/bidiagBlocked.js'
import { applyPtRight, applyQtRight } from '../src/internal/blocked/ormbr.js'
import { setCpuOptions } from '../src/cpuOptions.js'
import { matrix, svd } from '../src/index.js'

const EPS = 2 ** -52
// Both algorithms are backward stable on B: residual, orthogonality and σ errors are O(n·ε)·‖B‖
// (Gu–Eisenstat; the secular solver stops at |w| ≤ ε·erretm). 8·n·ε leaves room for the constant.
const tolFor = (n: number): number => 8 * Math.max(n, 1) * EPS

const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5 }
}

interface Check { readonly recon: number; readonly orthU: number; readonly orthV: number; readonly sigma: number; readonly nonneg: boolean }

/** Runs bdsdc on (d0, e0) and measures everything relative to max |B_ij| (1 for the zero matrix). */
const checkBidiagonal = (d0: Float64Array, e0: Float64Array): Check => {
  const n = d0.length
  const d = d0.slice(), e = e0.slice()
  const { ubt, vbt } = bdsdc('test', n, d, e)
  let scale = 0
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(d0[i]!), i < n - 1 ? Math.abs(e0[i]!) : 0)
  if (scale === 0) scale = 1
  let recon = 0
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0
    for (let k = 0; k < n; k++) s += ubt[k * n + i]! * d[k]! * vbt[k * n + j]!
    const b = i === j ? d0[i]! : j === i + 1 ? e0[i]! : 0
    recon = Math.max(recon, Math.abs(s - b) / scale)
  }
  let orthU = 0, orthV = 0
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let su = 0, sv = 0
    for (let k = 0; k < n; k++) { su += ubt[i * n + k]! * ubt[j * n + k]!; sv += vbt[i * n + k]! * vbt[j * n + k]! }
    orthU = Math.max(orthU, Math.abs(su - (i === j ? 1 : 0)))
    orthV = Math.max(orthV, Math.abs(sv - (i === j ? 1 : 0)))
  }
  const d2 = d0.slice(), e2 = e0.slice()
  bdsqr('test', n, n, d2, e2, undefined, undefined)
  const a = Array.from(d).sort((x, y) => y - x), b = Array.from(d2).sort((x, y) => y - x)
  let sigma = 0
  for (let i = 0; i < n; i++) sigma = Math.max(sigma, Math.abs(a[i]! - b[i]!) / scale)
  return { recon, orthU, orthV, sigma, nonneg: d.every((x) => x >= 0) }
}

const assertCheck = (t: Tap.Test, label: string, d0: Float64Array, e0: Float64Array): void => {
  const n = d0.length
  const c = checkBidiagonal(d0, e0)
  const tol = tolFor(n)
  t.ok(c.recon <= tol && c.orthU <= tol && c.orthV <= tol && c.sigma <= tol && c.nonneg,
    `${label} n=${n}: ‖B−UΣVᵀ‖ ${c.recon.toExponential(2)}, ‖UᵀU−I‖ ${c.orthU.toExponential(2)}, ‖VᵀV−I‖ ${c.orthV.toExponential(2)}, |σ−σ_QR| ${c.sigma.toExponential(2)} ≤ ${tol.toExponential(2)}; σ ≥ 0: ${c.nonneg}`)
}

const bidiag = (n: number, fd: (i: number) => number, fe: (i: number) => number): [Float64Array, Float64Array] => {
  const d = new Float64Array(n), e = new Float64Array(n)
  for (let i = 0; i < n; i++) { d[i] = fd(i); if (i < n - 1) e[i] = fe(i) }
  return [d, e]
}

t.test('n = 1…40 random bidiagonals: D&C = bidiagonal QR reference', async (t) => {
  t.equal(SMLSIZ, 25, 'leaves hold at most 25 rows (LAPACK SMLSIZ), so n ≥ 26 merges')
  for (let n = 1; n <= 40; n++) {
    const r = lcg(n * 31 + 7)
    const [d, e] = bidiag(n, () => r(), () => r())
    assertCheck(t, 'random', d, e)
  }
})

t.test('deflation cases: repeated, zeros, negligible off-diagonals, graded, zero, diagonal', async (t) => {
  for (const n of [26, 40, 64, 130, 200]) {
    const r = lcg(n)
    assertCheck(t, 'identity plus negligible e', ...bidiag(n, () => 1, () => 1e-20))
    assertCheck(t, 'constant d, e (clustered σ)', ...bidiag(n, () => 2, () => 1))
    assertCheck(t, 'repeated σ (diagonal with duplicates)', ...bidiag(n, (i) => [3, 3, 1, 1, 2][i % 5]!, () => 0))
    assertCheck(t, 'every third d zero', ...bidiag(n, (i) => (i % 3 ? 0 : 1), () => 0.5))
    assertCheck(t, 'zero diagonal', ...bidiag(n, () => 0, () => r()))
    assertCheck(t, 'graded 10^(−i/4)', ...bidiag(n, (i) => 10 ** (-i / 4), (i) => 10 ** (-i / 4)))
    assertCheck(t, 'graded upward', ...bidiag(n, (i) => 10 ** (i / 8 - n / 8), (i) => 10 ** (i / 8 - n / 8)))
    assertCheck(t, 'tiny off-diagonals (splits)', ...bidiag(n, () => r(), (i) => (i % 5 ? 1e-300 : r())))
    assertCheck(t, 'last e negligible (1×1 at the end)', ...bidiag(n, () => r(), (i) => (i === n - 2 ? 0 : r())))
    assertCheck(t, 'negative entries', ...bidiag(n, () => -Math.abs(r()) - 0.1, () => -Math.abs(r())))
    assertCheck(t, 'zero matrix', ...bidiag(n, () => 0, () => 0))
    assertCheck(t, 'wide dynamic range', ...bidiag(n, (i) => (i % 2 ? 1e150 : 1e-150) * (1 + r()), () => r()))
  }
})

t.test('property: D&C meets the bounds on random bidiagonals with special values', async (t) => {
  const entry = fc.oneof(
    { weight: 6, arbitrary: fc.double({ min: -1, max: 1, noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(0, 1, -1, 1e-30, 0.5) },
  )
  let worst = 0
  fc.assert(fc.property(fc.integer({ min: 26, max: 90 }), fc.array(entry, { minLength: 180, maxLength: 180 }), (n, xs) => {
    const [d, e] = bidiag(n, (i) => xs[i]!, (i) => xs[90 + i]!)
    const c = checkBidiagonal(d, e)
    worst = Math.max(worst, c.recon, c.orthU, c.orthV, c.sigma)
    return c.recon <= tolFor(n) && c.orthU <= tolFor(n) && c.orthV <= tolFor(n) && c.sigma <= tolFor(n) && c.nonneg
  }), { seed: 42, numRuns: 60 })
  t.ok(worst <= tolFor(90), `worst error ${worst.toExponential(2)} ≤ ${tolFor(90).toExponential(2)}`)
})

t.test('NaN in the bidiagonal → NoConvergence', async (t) => {
  const [d, e] = bidiag(30, () => 1, () => 0.5)
  d[7] = NaN
  t.throws(() => bdsdc('svd', 30, d, e), { _tag: 'NoConvergence' })
})

const paths = [{ kernel: 'ts', threads: 1 }, { kernel: 'simd', threads: 1 }, { kernel: 'relaxed-simd', threads: 1 }, { kernel: 'relaxed-simd', threads: 2 }] as const

t.test('blocked back-transformation (dormbr) = formed Q, P times U_B, V_B', async (t) => {
  for (const path of paths) {
    setCpuOptions(path)
    for (const [m, n, rows] of [[150, 140, 140], [300, 200, 300], [129, 129, 129], [200, 31, 200]] as const) {
      const a2 = Float64Array.from({ length: m * n }, lcg(m + n))
      const { tauq, taup } = bidiagonalizeBlocked(m, n, a2)
      const r = lcg(n)
      const ub = Float64Array.from({ length: n * n }, r) // any dense U_Bᵀ, V_Bᵀ
      const vb = Float64Array.from({ length: n * n }, r)
      const q = formUt(m, n, rows, a2, tauq), p = formVt(n, a2, taup)
      const ut = new Float64Array(rows * m)
      for (let i = 0; i < n; i++) ut.set(ub.subarray(i * n, i * n + n), i * m)
      for (let i = n; i < rows; i++) ut[i * m + i] = 1
      const vt = vb.slice()
      applyQtRight(m, n, rows, a2, tauq, ut)
      applyPtRight(n, n, a2, taup, vt)
      let eu = 0, ev = 0
      for (let i = 0; i < rows; i++) for (let j = 0; j < m; j++) {
        let s = 0
        if (i < n) for (let k = 0; k < n; k++) s += ub[i * n + k]! * q[k * m + j]!
        else s = q[i * m + j]!
        eu = Math.max(eu, Math.abs(s - ut[i * m + j]!))
      }
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = 0
        for (let k = 0; k < n; k++) s += vb[i * n + k]! * p[k * n + j]!
        ev = Math.max(ev, Math.abs(s - vt[i * n + j]!))
      }
      const tol = tolFor(m) * Math.sqrt(n) // entries of U_Bᵀ are O(1), rows have n of them
      t.ok(eu <= tol && ev <= tol, `${path.kernel}×${path.threads} ${m}×${n} rows ${rows}: |Δ(UᵀQᵀ)| ${eu.toExponential(2)}, |Δ(VᵀPᵀ)| ${ev.toExponential(2)} ≤ ${tol.toExponential(2)}`)
    }
  }
  setCpuOptions({ kernel: 'auto', threads: 0 })
})

t.test('svd with vectors on the D&C path (n > 25) on every CPU path: bounds and σ = QR-path σ', async (t) => {
  for (const path of paths) {
    setCpuOptions(path)
    for (const [m, n, mode, dtype] of [[120, 80, 'thin', 'f64'], [80, 120, 'full', 'f64'], [100, 100, 'full', 'f32'], [260, 130, 'thin', 'f32'], [64, 200, 'thin', 'f64']] as const) {
      const T = dtype === 'f64' ? Float64Array : Float32Array
      const a = T.from({ length: m * n }, lcg(m * 3 + n))
      const { u, s, vt } = svd(matrix(a, m, n), { mode })
      const { s: s0 } = svd(matrix(a, m, n), { mode: 'values' })
      const k = s.length, uc = u.shape[1], vr = vt.shape[0]
      const eps = dtype === 'f64' ? EPS : 2 ** -23 // outputs are rounded to the dtype
      const tol = 8 * Math.max(m, n) * eps
      let recon = 0, ou = 0, ov = 0, ds = 0
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let x = 0
        for (let l = 0; l < k; l++) x += u.data[i * uc + l]! * s[l]! * vt.data[l * n + j]!
        recon = Math.max(recon, Math.abs(x - a[i * n + j]!))
      }
      for (let i = 0; i < uc; i++) for (let j = 0; j < uc; j++) {
        let x = 0
        for (let l = 0; l < m; l++) x += u.data[l * uc + i]! * u.data[l * uc + j]!
        ou = Math.max(ou, Math.abs(x - (i === j ? 1 : 0)))
      }
      for (let i = 0; i < vr; i++) for (let j = 0; j < vr; j++) {
        let x = 0
        for (let l = 0; l < n; l++) x += vt.data[i * n + l]! * vt.data[j * n + l]!
        ov = Math.max(ov, Math.abs(x - (i === j ? 1 : 0)))
      }
      for (let i = 0; i < k; i++) ds = Math.max(ds, Math.abs(s[i]! - s0[i]!))
      const s1 = s[0]!
      let sorted = true
      for (let i = 1; i < k; i++) if (s[i]! > s[i - 1]!) sorted = false
      t.ok(recon <= tol * s1 && ou <= tol && ov <= tol && ds <= tol * s1 && sorted,
        `${path.kernel}×${path.threads} ${dtype} ${m}×${n} ${mode}: ‖A−UΣVᵀ‖ ${(recon / s1).toExponential(2)}·σ₁, ‖UᵀU−I‖ ${ou.toExponential(2)}, ‖VVᵀ−I‖ ${ov.toExponential(2)}, |σ−σ_values| ${(ds / s1).toExponential(2)}·σ₁ ≤ ${tol.toExponential(2)}; sorted ${sorted}`)
    }
  }
  setCpuOptions({ kernel: 'auto', threads: 0 })
})
