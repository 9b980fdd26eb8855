import type { SvdSolver } from '../internal/linalg.js'
import { InvalidArgument, type Float, type Mat } from '@lr/svd'
import { assertCovariance, scaleCols, splitFactors, thinSvd } from '../internal/linalg.js'
import { asDtypeOf, prepareCovariance, prepareWeight } from './common.js'
import type { LowRankFactors } from './types.js'

/** Options of {@link asvdCompress}. */
export interface AsvdCompressOptions {
  /** kept rank r, 1 ≤ r ≤ min(out, in) */
  readonly rank: number
  /** exponent α of the activation scale s_j = (C_jj)^(α/2) = RMS(x_j)^α up to a constant @default 0.5 */
  readonly alpha?: number
  /** `exact` thin SVD (optimal) or `randomized` (near-optimal, O(m·n·r): for large layers) @default 'exact' */
  readonly solver?: SvdSolver
  /** reject NaN/±Inf in w @default true */
  readonly checkFinite?: boolean
}

/**
 * ASVD activation-aware SVD: S = diag(s), s_j = (C_jj)^(α/2) (input channel magnitude from the covariance diagonal,
 * floored at 1e-6·max s), W·S = UΣVᵀ, u = U_r·√Σ_r [out, r], v = √Σ_r·V_rᵀ·S⁻¹ [r, in]. Channels with large
 * activations keep more of their weight. w: Mat [out, in]; covariance: Mat [in, in]; dtype follows w.
 * Paper: ASVD, arXiv:2312.05821 (α = 0.5 as its default; it uses mean |x_j|, we use the RMS that C gives).
 * @example const { u, v } = asvdCompress(w, cov, { rank: 64, alpha: 0.5 })
 * @since 0.1.0  @category compression
 */
export function asvdCompress<T extends Float>(w: Mat<T>, covariance: Mat, opts: AsvdCompressOptions): LowRankFactors<T> {
  const op = 'asvdCompress'
  const a = prepareWeight(op, w, opts.rank, opts.checkFinite ?? true)
  const alpha = opts.alpha ?? 0.5
  if (!(alpha >= 0 && alpha <= 4)) throw new InvalidArgument(op, 'alpha', `${alpha} is outside [0, 4]`)
  const c = prepareCovariance(op, covariance)
  assertCovariance(op, 'covariance', c, a.cols)
  const n = a.cols, s = new Float64Array(n)
  let smax = 0
  for (let j = 0; j < n; j++) {
    const d = c.data[j * n + j]!
    if (d < 0) throw new InvalidArgument(op, 'covariance', `negative diagonal ${d} at [${j}, ${j}]: not a covariance Σ x·xᵀ`)
    s[j] = Math.pow(d, alpha / 2); smax = Math.max(smax, s[j]!)
  }
  const floor = smax > 0 ? 1e-6 * smax : 1
  const inv = new Float64Array(n)
  for (let j = 0; j < n; j++) { s[j] = Math.max(s[j]!, floor); inv[j] = 1 / s[j]! }
  const { left, right } = splitFactors(thinSvd(scaleCols(a, s), opts.rank, opts.solver ?? 'exact'), opts.rank)
  return { u: asDtypeOf(w, left), v: asDtypeOf(w, scaleCols(right, inv)) }
}
