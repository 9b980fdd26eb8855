/**
 * Thin QR of a tall-skinny matrix Y [m, n] (m ≥ n), row-major f64, for randomizedSvd's
 * orthonormalizations: CholeskyQR2 (Fukaya, Nakatsukasa, Yanagisawa & Yamamoto, "CholeskyQR2: a simple
 * and communication-avoiding algorithm for computing a tall-skinny QR factorization", ScalA 2014;
 * Yamamoto et al., ETNA 2015). One pass: G = YᵀY, G = RᵀR (Cholesky), Q₁ = Y·R⁻¹; a second pass on Q₁
 * restores orthogonality to working precision when κ(Y) ≪ u^(−1/2) ≈ 10⁸. Every flop but the n×n
 * Cholesky and triangular inverse goes through the GEMM (4mn² flops in all, against 4mn² − 4n³/3 for
 * Householder QR + forming Q, whose panels are matrix–vector products).
 * Guard: if a Cholesky breaks down, or the first pass leaves ‖Q₁ᵀQ₁ − I‖_max > 1/2 (κ(Y) too large
 * for the second pass to repair), the blocked Householder QR runs instead (always backward stable).
 * @internal
 */
import { gemmKernel } from './gemmKernel.js'
import { choleskyKernel } from './choleskyKernel.js'
import { formQBlocked, qrFactorBlocked } from './blocked/qrBlocked.js'

/** Largest ‖Q₁ᵀQ₁ − I‖_max after the first pass that the second pass reliably repairs (then the
 *  Gram matrix of Q₁ has eigenvalues in [1/2, 3/2] and its Cholesky factor κ ≤ √3). */
const MAX_FIRST_PASS_DEVIATION = 0.5
/** Below this many rows per column, or this many elements, Householder QR is as fast: use it. */
const MIN_ROWS_PER_COL = 4
const MIN_ELEMENTS = 1 << 14

/** One pass is kept as a basis only when min/max of R's diagonal (a lower bound on 1/κ(Y)) is at least
 *  this: then ‖Q₁ᵀQ₁ − I‖ ≲ κ²·u stays far below 1 for the κ this bound admits; else the full path runs. */
const MIN_BASIS_DIAGONAL_RATIO = 1e-6

const diagonalRatio = (n: number, l: Float64Array): number => {
  let lo = Infinity, hi = 0
  for (let i = 0; i < n; i++) { const d = l[i * n + i]!; if (d < lo) lo = d; if (d > hi) hi = d }
  return hi > 0 ? lo / hi : 0
}

export interface ThinQr { readonly q: Float64Array; readonly r: Float64Array }

/** L (lower, row-major [n, n]) with G = L·Lᵀ from the lower triangle of g, or null on breakdown. */
const cholesky = (n: number, g: Float64Array): Float64Array | null => {
  const l = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) l[i * n + j] = g[i * n + j]!
  return choleskyKernel(n, l, new Float64Array(1)) < 0 ? l : null
}

/** L⁻¹ of a lower-triangular L [n, n] with a positive diagonal (forward substitution, row-major). */
const invertLower = (n: number, l: Float64Array): Float64Array => {
  const x = new Float64Array(n * n)
  for (let j = 0; j < n; j++) {
    x[j * n + j] = 1 / l[j * n + j]!
    for (let i = j + 1; i < n; i++) {
      let s = 0
      for (let p = j; p < i; p++) s += l[i * n + p]! * x[p * n + j]!
      x[i * n + j] = -s / l[i * n + i]!
    }
  }
  return x
}

/** One CholeskyQR pass: returns Q = Y·L⁻ᵀ and L (G = YᵀY = L·Lᵀ), or null on breakdown. */
const cholQrPass = (m: number, n: number, y: Float64Array, qOut?: Float64Array): { q: Float64Array; l: Float64Array } | null => {
  const g = new Float64Array(n * n)
  gemmKernel(n, n, m, 1, y, 1, n, 0, y, n, 1, 0, 0, g, n, 1, 0)          // G = YᵀY
  const l = cholesky(n, g)
  if (l === null) return null
  const li = invertLower(n, l)
  const q = qOut ?? new Float64Array(m * n)
  gemmKernel(m, n, n, 1, y, n, 1, 0, li, 1, n, 0, 0, q, n, 1, 0)          // Q = Y·L⁻ᵀ
  return { q, l }
}

/** Householder: Q [m, n] and R [n, n] (upper) from the blocked dgeqrf + dorgqr. */
const householderQr = (m: number, n: number, y: Float64Array): ThinQr => {
  const w = Float64Array.from(y)
  const tau = qrFactorBlocked(m, n, w)
  const r = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) r[i * n + j] = w[i * n + j]!
  return { q: formQBlocked(m, n, w, tau, n), r }
}

/** Y [m, n] = Q·R with QᵀQ = I (Q row-major [m, n], R upper [n, n]); y is not modified. m ≥ n ≥ 1.
 *  `isBasisOnly`: only a well-conditioned basis of span(Y) is needed (a power iteration's intermediate
 *  step, Halko et al. §4.5): one CholeskyQR pass, ‖QᵀQ − I‖ = O(κ(Y)²·u), and R is not formed.
 *  `work`: two buffers of length m·n (not aliasing y) for the CholeskyQR passes, so that a caller that
 *  orthonormalizes again and again (randomizedSvd) reuses memory instead of touching fresh pages;
 *  the returned Q may then be a view of one of them. */
export const tallSkinnyQr = (m: number, n: number, y: Float64Array, opts: { readonly isBasisOnly?: boolean; readonly work?: readonly [Float64Array, Float64Array] } = {}): ThinQr => {
  if (m < MIN_ROWS_PER_COL * n || m * n < MIN_ELEMENTS) return householderQr(m, n, y)
  const w = opts.work
  const p1 = cholQrPass(m, n, y, w?.[0].subarray(0, m * n))
  if (p1 === null) return householderQr(m, n, y)
  if (opts.isBasisOnly === true && diagonalRatio(n, p1.l) >= MIN_BASIS_DIAGONAL_RATIO) return { q: p1.q, r: new Float64Array(0) }
  const p2 = cholQrPass(m, n, p1.q, w?.[1].subarray(0, m * n))
  if (p2 === null) return householderQr(m, n, y)
  // G₂ = Q₁ᵀQ₁ = L₂L₂ᵀ: its diagonal and off-diagonal deviation from I, read back from L₂
  let dev = 0
  const l2 = p2.l
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0
      for (let p = 0; p <= j; p++) s += l2[i * n + p]! * l2[j * n + p]!
      const d = Math.abs(s - (i === j ? 1 : 0))
      if (!(d <= dev)) dev = d
    }
  }
  if (!(dev <= MAX_FIRST_PASS_DEVIATION)) return householderQr(m, n, y)
  // R = R₂·R₁ = L₂ᵀ·L₁ᵀ = (L₁·L₂)ᵀ
  const r = new Float64Array(n * n)
  gemmKernel(n, n, n, 1, p2.l, 1, n, 0, p1.l, 1, n, 0, 0, r, n, 1, 0)     // R = L₂ᵀ·L₁ᵀ
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) r[i * n + j] = 0
  return { q: p2.q, r }
}
