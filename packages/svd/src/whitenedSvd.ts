import { dual } from './internal/dual.js'
import { ShapeMismatch } from './errors.js'
import { choleskyJitter } from './choleskyJitter.js'
import { gemmKernel } from './internal/gemmKernel.js'
import { solveRightLower } from './internal/rightSolve.js'
import { checkRank, finishWhitened, type TruncatedFactors, type TruncatedSvdOptions } from './internal/truncated.js'
import { assertFinite, copyToF64, toMat } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'

/** Options of {@link whitenedSvd}.  @since 0.1.0  @category compression */
export interface WhitenedSvdOptions<T extends Float = Float> extends TruncatedSvdOptions {
  /** Input second moment C = Σₜ xₜ·xₜᵀ [n, n] (symmetric PSD; lower triangle read), e.g. a calib_*.safetensors entry. */
  readonly covariance: MatLike<T>
}
/** Factors plus the diagonal jitter that made the covariance factorizable (0 when it was SPD).
 *  @since 0.1.0  @category compression */
export interface WhitenedFactors<T extends Float = Float> extends TruncatedFactors<T> { readonly jitter: number }

const whitenedSvdImpl = <T extends Float>(w: MatLike<T>, opts: WhitenedSvdOptions<T>): WhitenedFactors<T> => {
  const op = 'whitenedSvd'
  const W = toMat(w, op, 'w'), C = toMat(opts.covariance, op, 'covariance')
  const [m, n] = W.shape
  checkRank(op, opts.rank, m, n)
  if (C.shape[0] !== n || C.shape[1] !== n) throw new ShapeMismatch(op, 'covariance = [w.cols, w.cols]', C.shape, [n, n])
  if (opts.checkFinite !== false) { assertFinite(W, op, 'w'); assertFinite(C, op, 'covariance') }
  const c64: Mat<Float64Array> = { data: copyToF64(C, { transposed: false, scale: 1 }), shape: [n, n], stride: [n, 1], offset: 0 }
  const { l, jitter } = choleskyJitter(c64, { checkFinite: false })
  const w64 = copyToF64(W, { transposed: false, scale: 1 })
  const ws = new Float64Array(m * n)
  gemmKernel(m, n, n, 1, w64, n, 1, 0, l.data, n, 1, 0, 0, ws, n, 1, 0)   // W·S
  return { ...finishWhitened(op, W, ws, m, n, opts, (z, r) => solveRightLower(r, n, z, l.data)), jitter }
}


/** Signature of {@link whitenedSvd}: `whitenedSvd(w, opts)` or `pipe(w, whitenedSvd(opts))`. */
export interface WhitenedSvdFn {
  <T extends Float>(w: MatLike<T>, opts: WhitenedSvdOptions<T>): WhitenedFactors<T>
  <T extends Float>(opts: WhitenedSvdOptions<T>): (w: MatLike<T>) => WhitenedFactors<T>
}
/**
 * Truncation-aware whitened SVD (SVD-LLM: Wang et al., "SVD-LLM: truncation-aware singular value
 * decomposition for large language model compression", arXiv:2403.07378). With C = S·Sᵀ (Cholesky,
 * with the smallest ladder jitter if C is singular, see choleskyJitter), W·S ≈ U_r Σ_r V_rᵀ and
 * W' = U_r Σ_r V_rᵀ S⁻¹ minimizes ‖(W − W')·X‖_F over rank r. Returns u = U_r·Σ^½ [m, r],
 * v = Σ^½·V_rᵀ·S⁻¹ [r, n] (split 'balanced'), u·v = W'. W [out, in] f32|f64, dtype follows w.
 * @example
 * import { whitenedSvd, matrix, gemm, transpose } from '@lr/svd'
 * const x = matrix(Float64Array.from({ length: 3 * 50 }, (_, i) => Math.sin(i * 1.7)), 3, 50)   // inputs [in, tokens]
 * const w = matrix(Float64Array.from({ length: 4 * 3 }, (_, i) => Math.cos(i)), 4, 3)
 * const { u, v, jitter } = whitenedSvd(w, { rank: 2, covariance: gemm(x, transpose(x)) })
 * @since 0.1.0  @category compression
 */
export const whitenedSvd: WhitenedSvdFn = dual(whitenedSvdImpl, (args) => args.length >= 2) as unknown as WhitenedSvdFn
