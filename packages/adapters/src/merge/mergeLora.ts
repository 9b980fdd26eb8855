import type { Float, Mat } from '@lr/svd'
import type { LoraPair } from '../types.js'
import { addDelta, type LoraDeltaOptions } from './loraDelta.js'

/**
 * Merges a LoRA into a base weight: W′ = W + scaling · B · A (transposed with `fanInFanOut`), exactly as
 * PEFT's `merge`/`merge_and_unload` (ΔW formed as B·A times scaling in the adapter dtype, then added).
 * w: Mat `[out, in]` (`[in, out]` with fanInFanOut), f32|f64 matching A and B; returns a new matrix.
 * Paper: LoRA, arXiv:2106.09685.
 * @example const merged = mergeLora(w, { a, b, scaling: 2 })
 * @since 0.1.0  @category merge
 */
export const mergeLora = <T extends Float>(w: Mat<T>, pair: LoraPair<T>, opts: LoraDeltaOptions = {}): Mat<T> =>
  addDelta('mergeLora', w, pair, 1, opts)

/**
 * Removes a merged LoRA: W = W′ − scaling · B · A (PEFT's `unmerge`). `unmergeLora(mergeLora(w, l), l) ≈ w`
 * up to floating-point rounding of the addition.
 * @example const w = unmergeLora(merged, { a, b, scaling: 2 })
 * @since 0.1.0  @category merge
 */
export const unmergeLora = <T extends Float>(w: Mat<T>, pair: LoraPair<T>, opts: LoraDeltaOptions = {}): Mat<T> =>
  addDelta('unmergeLora', w, pair, -1, opts)
