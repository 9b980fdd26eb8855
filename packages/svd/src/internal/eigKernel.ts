/**
 * Symmetric eigendecomposition on an f64 work array: blocked Householder tridiagonalization (LAPACK
 * dsytrd/dlatrd, full symmetric storage, see blocked/tridiagBlocked.ts), then
 * - values only, or n ≤ 25: the implicit QL algorithm (EISPACK tql2 / JAMA), rotating rows of Vᵀ;
 * - vectors for n > 25: divide and conquer through the bidiagonal D&C (bdsdc) on the Cholesky factor
 *   of the shifted tridiagonal, and the reflectors applied blocked (dormtr) through the GEMM.
 * @internal
 */
import { NoConvergence } from '../errors.js'
import { applyRight, loadReflector } from './householder.js'
import { bdsdc, SMLSIZ } from './bdsdc.js'
import { applyPtRight } from './blocked/ormbr.js'
import { tridiagonalizeBlocked } from './blocked/tridiagBlocked.js'

const EPS = 2 ** -52
const MAX_ITER_PER_VALUE = 100

/** a: row-major symmetric n×n (both triangles), destroyed. Returns ascending values and Vᵀ rows
 *  (row i = eigenvector i) when `wantVectors`. */
export const eigSymKernel = (op: string, n: number, a: Float64Array, wantVectors: boolean): { values: Float64Array; vt: Float64Array | undefined } => {
  const { d, e, tau } = tridiagonalizeBlocked(n, a)
  if (wantVectors && n > SMLSIZ) return eigVectorsDivideAndConquer(op, n, a, d, e, tau)
  const v = new Float64Array(n), p = new Float64Array(n)
  let vt: Float64Array | undefined
  if (wantVectors) {
    vt = new Float64Array(n * n)
    for (let i = 0; i < n; i++) vt[i * n + i] = 1
    for (let k = n - 3; k >= 0; k--) {
      loadReflector(n - k - 1, a, k * n + k + 1, 1, v)
      applyRight(n - k - 1, n - k - 1, tau[k]!, v, vt, (k + 1) * n + k + 1, n, 1, p)
    }
  }
  tql2(op, n, d, e, vt)
  const idx = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[x]! - d[y]! || x - y)
  const values = new Float64Array(n)
  for (let i = 0; i < n; i++) values[i] = d[idx[i]!]!
  if (!vt) return { values, vt }
  const sorted = new Float64Array(n * n)
  for (let i = 0; i < n; i++) sorted.set(vt.subarray(idx[i]! * n, idx[i]! * n + n), i * n)
  return { values, vt: sorted }
}

/** Fraction of the Gershgorin width added to the shift, so that T + shift·I is strictly diagonally
 *  dominant (its Cholesky factor exists and is well conditioned: λ_min(T + shift·I) ≥ this·‖T‖). */
const SHIFT_MARGIN = 1 / 64

/**
 * Eigenvectors of the tridiagonal T (d, e) by the bidiagonal divide and conquer (dbdsdc): with a
 * Gershgorin shift s making T + s·I positive definite, its Cholesky factor gives the upper
 * bidiagonal B = Lᵀ with BᵀB = T + s·I, so B = U·Σ·Vᵀ yields T = V·(Σ² − s·I)·Vᵀ. Both steps are
 * backward stable (the shift is O(‖T‖)), so eigenvalues are accurate to O(ε·‖T‖) as with QL, and
 * the vectors are orthogonal to working precision (Gu–Eisenstat). The Householder reflectors of the
 * tridiagonalization are then applied blocked (dormtr through the GEMM): Vᵀ_A = Vᵀ·Qᵀ.
 */
const eigVectorsDivideAndConquer = (op: string, n: number, a: Float64Array, d: Float64Array, e: Float64Array, tau: Float64Array): { values: Float64Array; vt: Float64Array } => {
  for (let i = 0; i < n; i++) if (d[i]! - d[i]! !== 0 || e[i]! - e[i]! !== 0)
    throw new NoConvergence(op, 0, 'the tridiagonal holds NaN/Inf (non-finite input passed with { checkFinite: false })')
  let norm = 0, low = Infinity
  for (let i = 0; i < n; i++) {
    const r = (i > 0 ? Math.abs(e[i - 1]!) : 0) + (i < n - 1 ? Math.abs(e[i]!) : 0)
    norm = Math.max(norm, Math.abs(d[i]!) + r)
    low = Math.min(low, d[i]! - r)
  }
  const shift = norm === 0 ? 1 : -low + SHIFT_MARGIN * norm
  const bd = new Float64Array(n), be = new Float64Array(n)
  let prev = 0 // m_{i−1}² (the subdiagonal of L squared)
  for (let i = 0; i < n; i++) {
    const piv = d[i]! + shift - prev
    bd[i] = Math.sqrt(piv)
    if (i < n - 1) { be[i] = e[i]! / bd[i]!; prev = be[i]! * be[i]! }
  }
  // the values themselves come from QL on T (O(n²)), identical to { mode: 'values' }; the k-th
  // ascending D&C value differs from the k-th QL value by O(ε·‖T‖) (Weyl), so pairs stay accurate
  const ql = d.slice(), qle = e.slice()
  tql2(op, n, ql, qle, undefined)
  const { vbt } = bdsdc(op, n, bd, be)
  const lam = new Float64Array(n)
  for (let i = 0; i < n; i++) lam[i] = bd[i]! * bd[i]! - shift
  const idx = Array.from({ length: n }, (_, i) => i).sort((x, y) => lam[x]! - lam[y]! || x - y)
  const values = Float64Array.from(ql).sort(), vt = new Float64Array(n * n)
  for (let i = 0; i < n; i++) vt.set(vbt.subarray(idx[i]! * n, idx[i]! * n + n), i * n)
  applyPtRight(n, n, a, tau, vt)
  return { values, vt }
}

/** Implicit QL on the symmetric tridiagonal (d, e), e[i] coupling i and i+1 (e[n−1] = 0). */
export const tql2 = (op: string, n: number, d: Float64Array, e: Float64Array, vt: Float64Array | undefined): void => {
  if (n > 0) e[n - 1] = 0
  for (let i = 0; i < n; i++) if (d[i]! - d[i]! !== 0 || e[i]! - e[i]! !== 0)
    throw new NoConvergence(op, 0, 'the tridiagonal holds NaN/Inf (non-finite input passed with { checkFinite: false })')
  let f = 0, tst1 = 0
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!))
    let m = l
    while (m < n) { if (Math.abs(e[m]!) <= EPS * tst1) break; m++ }
    if (m > l) {
      let iter = 0
      do {
        if (++iter > MAX_ITER_PER_VALUE)
          throw new NoConvergence(op, iter, `tridiagonal QL did not converge for eigenvalue ${l} of ${n}`)
        let g = d[l]!
        let pp = (d[l + 1]! - g) / (2 * e[l]!)
        let r = Math.hypot(pp, 1)
        if (pp < 0) r = -r
        d[l] = e[l]! / (pp + r)
        d[l + 1] = e[l]! * (pp + r)
        const dl1 = d[l + 1]!
        let h = g - d[l]!
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h
        f += h
        pp = d[m]!
        let c = 1, c2 = 1, c3 = 1
        const el1 = e[l + 1]!
        let s = 0, s2 = 0
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s
          g = c * e[i]!
          h = c * pp
          r = Math.hypot(pp, e[i]!)
          e[i + 1] = s * r
          s = e[i]! / r
          c = pp / r
          pp = c * d[i]! - s * g
          d[i + 1] = h + s * (c * g + s * d[i]!)
          if (vt) {
            const xi = i * n, yi = (i + 1) * n
            for (let k = 0; k < n; k++) {
              const hh = vt[yi + k]!, xx = vt[xi + k]!
              vt[yi + k] = s * xx + c * hh
              vt[xi + k] = c * xx - s * hh
            }
          }
        }
        pp = -s * s2 * c3 * el1 * e[l]! / dl1
        e[l] = s * pp
        d[l] = c * pp
      } while (Math.abs(e[l]!) > EPS * tst1)
    }
    d[l] = d[l]! + f
    e[l] = 0
  }
}
