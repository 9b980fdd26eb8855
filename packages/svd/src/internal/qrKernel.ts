/**
 * Householder QR (dgeqr2 / dorg2r) and column-pivoted QR (dgeqp3-style with norm downdating) on
 * row-major f64 work arrays. Each reflector application is one gemv + ger through the seam.
 * @internal
 */
import { applyLeft, larfg, loadReflector } from './householder.js'

/** dgeqr2: a[m, n] ← R above the diagonal, reflectors below. Returns τ [min(m, n)]. */
export const qrFactor = (m: number, n: number, a: Float64Array): Float64Array => {
  const k = Math.min(m, n)
  const tau = new Float64Array(k)
  const v = new Float64Array(m), w = new Float64Array(n)
  for (let j = 0; j < k; j++) {
    const jj = j * n + j
    tau[j] = larfg(m - j, a, jj, n, v)
    applyLeft(m - j, n - j - 1, tau[j]!, v, a, jj + 1, n, 1, w)
  }
  return tau
}

/** dorg2r: the first `cols` columns of Q = H_0⋯H_{k−1} as row-major [m, cols] (cols ≥ k). */
export const formQ = (m: number, n: number, a: Float64Array, tau: Float64Array, cols: number): Float64Array => {
  const k = tau.length
  const q = new Float64Array(m * cols)
  for (let i = 0; i < Math.min(m, cols); i++) q[i * cols + i] = 1
  const v = new Float64Array(m), w = new Float64Array(cols)
  for (let j = k - 1; j >= 0; j--) {
    loadReflector(m - j, a, j * n + j, n, v)
    applyLeft(m - j, cols - j, tau[j]!, v, q, j * cols + j, cols, 1, w)
  }
  return q
}

/** R rows [rows, n] (upper trapezoid of the factored a; rows ≥ min(m, n) pads zeros). */
export const extractR = (m: number, n: number, a: Float64Array, rows: number): Float64Array => {
  const r = new Float64Array(rows * n)
  for (let i = 0; i < Math.min(rows, m); i++) for (let j = i; j < n; j++) r[i * n + j] = a[i * n + j]!
  return r
}

/**
 * Column-pivoted QR (Businger–Golub, LAPACK dlaqp2): at step j the remaining column of largest norm
 * is swapped to position j. Partial norms are downdated with the dlaqp2 safeguard and recomputed
 * when cancellation is detected. a·P = Q·R; perm[j] = original index of column j.
 */
export const qrPivotedFactor = (m: number, n: number, a: Float64Array): { tau: Float64Array; perm: Int32Array } => {
  const k = Math.min(m, n)
  const tau = new Float64Array(k), perm = new Int32Array(n)
  const vn1 = new Float64Array(n), vn2 = new Float64Array(n)
  const v = new Float64Array(m), w = new Float64Array(n)
  const tol3z = Math.sqrt(2 ** -52)
  const colNorm = (j: number, from: number): number => {
    let s = 0
    for (let i = from; i < m; i++) { const t = a[i * n + j]!; s += t * t }
    return Math.sqrt(s)
  }
  for (let j = 0; j < n; j++) { perm[j] = j; vn1[j] = colNorm(j, 0); vn2[j] = vn1[j]! }
  for (let i = 0; i < k; i++) {
    let pvt = i
    for (let j = i + 1; j < n; j++) if (vn1[j]! > vn1[pvt]!) pvt = j
    if (pvt !== i) {
      for (let r = 0; r < m; r++) { const t = a[r * n + i]!; a[r * n + i] = a[r * n + pvt]!; a[r * n + pvt] = t }
      const tp = perm[i]!; perm[i] = perm[pvt]!; perm[pvt] = tp
      vn1[pvt] = vn1[i]!; vn2[pvt] = vn2[i]!
    }
    const ii = i * n + i
    tau[i] = larfg(m - i, a, ii, n, v)
    applyLeft(m - i, n - i - 1, tau[i]!, v, a, ii + 1, n, 1, w)
    for (let j = i + 1; j < n; j++) {
      if (vn1[j] === 0) continue
      const rel = Math.abs(a[i * n + j]!) / vn1[j]!
      let temp = 1 - rel * rel
      temp = temp < 0 ? 0 : temp
      const ratio = vn1[j]! / vn2[j]!
      const temp2 = temp * ratio * ratio
      if (temp2 <= tol3z) {
        vn1[j] = i + 1 < m ? colNorm(j, i + 1) : 0
        vn2[j] = vn1[j]!
      } else {
        vn1[j] = vn1[j]! * Math.sqrt(temp)
      }
    }
  }
  return { tau, perm }
}

