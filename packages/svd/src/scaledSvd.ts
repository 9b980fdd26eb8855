import { dual } from './internal/dual.js'
import { InvalidArgument, ShapeMismatch } from './errors.js'
import { checkRank, finishWhitened, type TruncatedFactors, type TruncatedSvdOptions } from './internal/truncated.js'
import { assertFinite, assertFiniteVec, toMat } from './internal/validate.js'
import type { Float, MatLike } from './mat.js'

/** Options of {@link scaledSvd}.  @since 0.1.0  @category compression */
export interface ScaledSvdOptions<T extends Float = Float> extends TruncatedSvdOptions {
  /** Per-input-channel scale [n], all > 0 (ASVD: mean |activation|^α over calibration tokens). */
  readonly scale: T | ArrayLike<number>
}

const scaledSvdImpl = <T extends Float>(w: MatLike<T>, opts: ScaledSvdOptions<T>): TruncatedFactors<T> => {
  const op = 'scaledSvd'
  const W = toMat(w, op, 'w')
  const [m, n] = W.shape
  checkRank(op, opts.rank, m, n)
  const sc = Float64Array.from(opts.scale as ArrayLike<number>)
  if (sc.length !== n) throw new ShapeMismatch(op, 'scale.length = w.cols', [sc.length], W.shape)
  if (opts.checkFinite !== false) { assertFinite(W, op, 'w'); assertFiniteVec(sc, op, 'scale') }
  for (let j = 0; j < n; j++) if (!(sc[j]! > 0)) throw new InvalidArgument(op, 'scale', `must all be > 0, got scale[${j}] = ${sc[j]}`)
  const ws = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) ws[i * n + j] = W.data[W.offset + i * W.stride[0] + j * W.stride[1]]! * sc[j]!
  return finishWhitened(op, W, ws, m, n, opts, (z, r) => { for (let i = 0; i < r; i++) for (let j = 0; j < n; j++) z[i * n + j] = z[i * n + j]! / sc[j]! })
}

/** Signature of {@link scaledSvd}: `scaledSvd(w, opts)` or `pipe(w, scaledSvd(opts))`. */
export interface ScaledSvdFn {
  <T extends Float>(w: MatLike<T>, opts: ScaledSvdOptions<T>): TruncatedFactors<T>
  <T extends Float>(opts: ScaledSvdOptions<T>): (w: MatLike<T>) => TruncatedFactors<T>
}
/**
 * Activation-aware SVD (ASVD: Yuan et al., "ASVD: activation-aware singular value decomposition for
 * compressing large language models", arXiv:2312.05821): with S = diag(scale), W·S ≈ U_r Σ_r V_rᵀ and
 * W' = U_r Σ_r V_rᵀ S⁻¹. Returns u [m, r], v [r, n] with u·v = W' (Σ split per `split`), s = Σ_r.
 * W [out, in] f32|f64, dtype follows w.
 * @example
 * import { scaledSvd, matrix } from '@lr/svd'
 * const w = matrix(Float64Array.from({ length: 12 }, (_, i) => Math.cos(i)), 4, 3)
 * const { u, v } = scaledSvd(w, { rank: 2, scale: [1, 0.5, 4] })
 * @since 0.1.0  @category compression
 */
export const scaledSvd: ScaledSvdFn = dual(scaledSvdImpl, (args) => args.length >= 2) as unknown as ScaledSvdFn
