import type { Float, Mat } from '@lr/svd'

/** A rank-r factorisation W ≈ U·V of a linear weight W [out, in]: u [out, r], v [r, in] (dtype of W).
 *  Stored in the factored checkpoint format as `<m>.weight_u` and `<m>.weight_v`.  @since 0.1.0  @category compression */
export interface LowRankFactors<T extends Float = Float> {
  readonly u: Mat<T>
  readonly v: Mat<T>
}

/** The compression methods of {@link compressLinear}.  @since 0.1.0  @category compression */
export type CompressMethod = 'svd' | 'svd-llm' | 'asvd' | 'fwsvd'
