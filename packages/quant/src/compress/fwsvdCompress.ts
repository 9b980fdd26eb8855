import type { SvdSolver } from '../internal/linalg.js'
import { InvalidArgument, type Float, type Mat } from '@lr/svd'
import { scaleRows, splitFactors, thinSvd } from '../internal/linalg.js'
import { asDtypeOf, prepareWeight } from './common.js'
import type { LowRankFactors } from './types.js'

/** Options of {@link fwsvdCompress}. */
export interface FwsvdCompressOptions {
  /** kept rank r, 1 ≤ r ≤ min(out, in) */
  readonly rank: number
  /** `exact` thin SVD (optimal) or `randomized` (near-optimal, O(m·n·r): for large layers) @default 'exact' */
  readonly solver?: SvdSolver
  /** reject NaN/±Inf in w @default true */
  readonly checkFinite?: boolean
}

/**
 * FWSVD Fisher-weighted SVD: with row importances I_i (the Fisher information of row i of W, Σ over samples and
 * columns of (∂L/∂W_ij)²), D = diag(√I), D·W = UΣVᵀ, u = D⁻¹·U_r·√Σ_r [out, r], v = √Σ_r·V_rᵀ [r, in]: it minimises
 * Σ_i I_i·‖(W − u·v)_i‖². Importances are floored at 1e-12·max I. w: Mat [out, in]; rowImportance: [out] ≥ 0.
 * Paper: Language model compression with weighted low-rank factorization (FWSVD), arXiv:2207.00112.
 * @example const { u, v } = fwsvdCompress(w, fisherRows, { rank: 64 })
 * @since 0.1.0  @category compression
 */
export function fwsvdCompress<T extends Float>(w: Mat<T>, rowImportance: Float, opts: FwsvdCompressOptions): LowRankFactors<T> {
  const op = 'fwsvdCompress'
  const a = prepareWeight(op, w, opts.rank, opts.checkFinite ?? true)
  const m = a.rows
  if (rowImportance.length !== m) throw new InvalidArgument(op, 'rowImportance', `has ${rowImportance.length} entries; the weight has ${m} rows (one Fisher importance per output row)`)
  let imax = 0
  for (let i = 0; i < m; i++) {
    const v = rowImportance[i]!
    if (!(v >= 0) || !Number.isFinite(v)) throw new InvalidArgument(op, 'rowImportance', `entry ${i} is ${v}; Fisher importances are finite and ≥ 0`)
    imax = Math.max(imax, v)
  }
  if (imax === 0) throw new InvalidArgument(op, 'rowImportance', 'all importances are 0; the Fisher file carries no information for this layer')
  const d = new Float64Array(m), inv = new Float64Array(m)
  for (let i = 0; i < m; i++) { d[i] = Math.sqrt(Math.max(rowImportance[i]!, 1e-12 * imax)); inv[i] = 1 / d[i]! }
  const { left, right } = splitFactors(thinSvd(scaleRows(a, d), opts.rank, opts.solver ?? 'exact'), opts.rank)
  return { u: asDtypeOf(w, scaleRows(left, inv)), v: asDtypeOf(w, right) }
}
