/**
 * Householder reflectors H = I − τ·v·vᵀ (v[0] = 1), LAPACK dlarfg/dlarf conventions, on f64 work
 * arrays. Every application is one gemv + one ger through the kernel seam (a panel of width 1);
 * blocked (compact-WY) versions replace these calls with gemm panels.
 * @internal
 */
import { gemvKernel, gerKernel } from './gemmKernel.js'

/**
 * dlarfg: for x = (alpha, x₁…x_{n−1}) at `x[xo + i·xs]`, finds β, τ with H·x = β·e₁.
 * Overwrites x[1:] with v[1:] and x[0] with β; copies v (with v[0] = 1) into `v[0..n)`. Returns τ.
 */
export const larfg = (n: number, x: Float64Array, xo: number, xs: number, v: Float64Array): number => {
  const alpha = x[xo]!
  let ss = 0
  for (let i = 1; i < n; i++) { const t = x[xo + i * xs]!; ss += t * t }
  v[0] = 1
  if (ss === 0) {
    for (let i = 1; i < n; i++) v[i] = 0
    return 0
  }
  let norm = Math.sqrt(alpha * alpha + ss)
  if (!Number.isFinite(norm) || norm === 0) {
    // rescale path for extreme magnitudes (the public wrappers pre-scale by a power of two, so rare)
    let mx = Math.abs(alpha)
    for (let i = 1; i < n; i++) mx = Math.max(mx, Math.abs(x[xo + i * xs]!))
    let s2 = 0
    for (let i = 0; i < n; i++) { const t = x[xo + i * xs]! / mx; s2 += t * t }
    norm = mx * Math.sqrt(s2)
  }
  const beta = alpha >= 0 ? -norm : norm
  const tau = (beta - alpha) / beta
  const scal = 1 / (alpha - beta)
  for (let i = 1; i < n; i++) { const t = x[xo + i * xs]! * scal; x[xo + i * xs] = t; v[i] = t }
  x[xo] = beta
  return tau
}

/** C[len, nc] ← H·C, H = I − τ·v·vᵀ, v contiguous `v[0..len)`; `w` scratch of length ≥ nc. */
export const applyLeft = (len: number, nc: number, tau: number, v: Float64Array,
  c: Float64Array, co: number, cs0: number, cs1: number, w: Float64Array): void => {
  if (tau === 0 || len === 0 || nc === 0) return
  gemvKernel(nc, len, 1, c, cs1, cs0, co, v, 1, 0, 0, w, 1, 0)     // w = Cᵀ·v
  gerKernel(len, nc, -tau, v, 1, 0, w, 1, 0, c, cs0, cs1, co)      // C −= τ·v·wᵀ
}

/** C[nr, len] ← C·H, H = I − τ·v·vᵀ, v contiguous `v[0..len)`; `w` scratch of length ≥ nr. */
export const applyRight = (nr: number, len: number, tau: number, v: Float64Array,
  c: Float64Array, co: number, cs0: number, cs1: number, w: Float64Array): void => {
  if (tau === 0 || len === 0 || nr === 0) return
  gemvKernel(nr, len, 1, c, cs0, cs1, co, v, 1, 0, 0, w, 1, 0)     // w = C·v
  gerKernel(nr, len, -tau, w, 1, 0, v, 1, 0, c, cs0, cs1, co)      // C −= τ·w·vᵀ
}

/** Copies the stored reflector k (v[0] = 1 implicit, v[1:] at x[xo + i·xs]) into contiguous `v`. */
export const loadReflector = (n: number, x: Float64Array, xo: number, xs: number, v: Float64Array): void => {
  v[0] = 1
  for (let i = 1; i < n; i++) v[i] = x[xo + i * xs]!
}

/** Plane rotation of two contiguous rows: (x, y) ← (c·x + s·y, c·y − s·x). */
export const rotRows = (len: number, x: Float64Array, xo: number, yo: number, c: number, s: number): void => {
  for (let i = 0; i < len; i++) {
    const a = x[xo + i]!, b = x[yo + i]!
    x[xo + i] = c * a + s * b
    x[yo + i] = c * b - s * a
  }
}
