/**
 * Symmetric eigendecomposition on an f64 work array: Householder tridiagonalization (dsytd2, full
 * symmetric storage, trailing update = symv + two rank-1 updates through the seam) followed by the
 * implicit QL algorithm (EISPACK tql2 / JAMA), rotating contiguous rows of Vᵀ.
 * @internal
 */
import { NoConvergence } from '../errors.js'
import { gemvKernel, gerKernel } from './gemmKernel.js'
import { applyRight, larfg, loadReflector } from './householder.js'

const EPS = 2 ** -52
const MAX_ITER_PER_VALUE = 100

/** a: row-major symmetric n×n (both triangles), destroyed. Returns ascending values and Vᵀ rows
 *  (row i = eigenvector i) when `wantVectors`. */
export const eigSymKernel = (op: string, n: number, a: Float64Array, wantVectors: boolean): { values: Float64Array; vt: Float64Array | undefined } => {
  const d = new Float64Array(n), e = new Float64Array(n), tau = new Float64Array(n)
  const v = new Float64Array(n), p = new Float64Array(n)
  for (let k = 0; k < n - 2; k++) {
    const r = n - k - 1
    const row = k * n + k + 1
    const t = larfg(r, a, row, 1, v)
    tau[k] = t
    d[k] = a[k * n + k]!
    e[k] = a[row]!
    if (t !== 0) {
      const o = (k + 1) * n + k + 1
      gemvKernel(r, r, t, a, n, 1, o, v, 1, 0, 0, p, 1, 0)          // p = τ·A22·v
      let pv = 0
      for (let i = 0; i < r; i++) pv += p[i]! * v[i]!
      const alpha = -0.5 * t * pv
      for (let i = 0; i < r; i++) p[i] = p[i]! + alpha * v[i]!       // w = p + α·v
      gerKernel(r, r, -1, v, 1, 0, p, 1, 0, a, n, 1, o)              // A22 −= v·wᵀ
      gerKernel(r, r, -1, p, 1, 0, v, 1, 0, a, n, 1, o)              // A22 −= w·vᵀ
    }
  }
  if (n >= 2) { d[n - 2] = a[(n - 2) * n + n - 2]!; e[n - 2] = a[(n - 2) * n + n - 1]!; d[n - 1] = a[n * n - 1]! }
  else if (n === 1) d[0] = a[0]!
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

/** Implicit QL on the symmetric tridiagonal (d, e), e[i] coupling i and i+1 (e[n−1] = 0). */
const tql2 = (op: string, n: number, d: Float64Array, e: Float64Array, vt: Float64Array | undefined): void => {
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
