import type { Float, Mat } from '@lr/svd'
import type { SvdSolver } from '../internal/linalg.js'
import { assertCovariance, choleskyWithJitter, matmul, solveRightLower, splitFactors, thinSvd } from '../internal/linalg.js'
import { assertIntIn } from '../internal/validate.js'
import { asDtypeOf, prepareCovariance, prepareWeight } from './common.js'
import type { LowRankFactors } from './types.js'

/** Options of {@link svdLlmCompress}. */
export interface SvdLlmCompressOptions {
  /** kept rank r, 1 ≤ r ≤ min(out, in) */
  readonly rank: number
  /** retries of the Cholesky factorisation with a growing ridge λ·I, λ = 1e-6·mean(diag C)·10^t, when C is not
   *  numerically positive definite; 0 makes a singular C an error (NotPositiveDefinite). @default 6 */
  readonly maxJitterTries?: number
  /** `exact` thin SVD (optimal) or `randomized` (near-optimal, O(m·n·r): for large layers) @default 'exact' */
  readonly solver?: SvdSolver
  /** reject NaN/±Inf in w @default true */
  readonly checkFinite?: boolean
}

/**
 * SVD-LLM truncation-aware data whitening: C = Σ x·xᵀ = L·Lᵀ (Cholesky of the layer's input covariance),
 * W·L = UΣVᵀ, u = U_r·√Σ_r [out, r], v = √Σ_r·V_rᵀ·L⁻¹ [r, in]. Truncating σ_i then removes exactly σ_i² of the
 * calibrated loss ‖(W − u·v)·X‖_F², which is minimal over rank-r matrices. Returns the ridge used (0 when none).
 * w: Mat [out, in]; covariance: Mat [in, in], symmetric; f32|f64; dtype follows w. Paper: SVD-LLM, arXiv:2403.07378.
 * @example const { u, v, jitter } = svdLlmCompress(w, cov, { rank: 64 })
 * @since 0.1.0  @category compression
 */
export function svdLlmCompress<T extends Float>(w: Mat<T>, covariance: Mat, opts: SvdLlmCompressOptions): LowRankFactors<T> & { readonly jitter: number } {
  const op = 'svdLlmCompress'
  const a = prepareWeight(op, w, opts.rank, opts.checkFinite ?? true)
  const maxTries = opts.maxJitterTries ?? 6
  assertIntIn(op, 'maxJitterTries', maxTries, 0, 30)
  const c = prepareCovariance(op, covariance)
  assertCovariance(op, 'covariance', c, a.cols)
  const { l, jitter } = choleskyWithJitter(op, 'covariance', c, maxTries)
  const { left, right } = splitFactors(thinSvd(matmul(a, l), opts.rank, opts.solver ?? 'exact'), opts.rank)
  return { u: asDtypeOf(w, left), v: asDtypeOf(w, solveRightLower(right, l)), jitter }
}
