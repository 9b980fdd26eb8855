import type { Float, Mat } from '@lr/svd'
import type { SvdSolver } from '../internal/linalg.js'
import { splitFactors, thinSvd } from '../internal/linalg.js'
import { asDtypeOf, prepareWeight } from './common.js'
import type { LowRankFactors } from './types.js'

/** Options of {@link svdCompress}. */
export interface SvdCompressOptions {
  /** kept rank r, 1 ≤ r ≤ min(out, in) */
  readonly rank: number
  /** `exact` thin SVD (optimal) or `randomized` (near-optimal, O(m·n·r): for large layers) @default 'exact' */
  readonly solver?: SvdSolver
  /** reject NaN/±Inf @default true */
  readonly checkFinite?: boolean
}

/**
 * Optimal rank-r truncation (Eckart–Young): W = UΣVᵀ, u = U_r·√Σ_r [out, r], v = √Σ_r·V_rᵀ [r, in], so u·v is the
 * best rank-r approximation of W in Frobenius and spectral norm. w: Mat [out, in], f32|f64; dtype follows w.
 * @example const { u, v } = svdCompress(w, { rank: 64 })
 * @since 0.1.0  @category compression
 */
export function svdCompress<T extends Float>(w: Mat<T>, opts: SvdCompressOptions): LowRankFactors<T> {
  const a = prepareWeight('svdCompress', w, opts.rank, opts.checkFinite ?? true)
  const { left, right } = splitFactors(thinSvd(a, opts.rank, opts.solver ?? 'exact'), opts.rank)
  return { u: asDtypeOf(w, left), v: asDtypeOf(w, right) }
}
