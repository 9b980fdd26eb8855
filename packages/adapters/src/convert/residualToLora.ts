import { ShapeMismatch, type Float } from '@lr/svd'
import type { LoraPair } from '../types.js'
import { assertPair } from '../merge/loraDelta.js'
import { stackPairs, resizeLora, type ResizedLora } from '../resize/resizeLora.js'
import { castLike } from '../internal/linalg.js'

/** Options of `residualToLora`.  @since 0.1.0  @category convert */
export interface ResidualToLoraOptions {
  /** Truncate to this rank. @default rank(B′) + rank(B₀), exact (what PEFT writes: r ← 2r) */
  readonly rank?: number
}

/**
 * Converts a trained PiSSA/OLoRA/CorDA/MiLoRA adapter (trained on the residual base) into a plain LoRA for
 * the *original* base: ΔW = s′·B′·A′ − s₀·B₀·A₀ (trained minus initial adapter), as PEFT's
 * `save_pretrained(path_initial_model_for_weight_conversion=…)`. Exact by stacking (B = [s′B′ | −s₀B₀],
 * A = [A′; A₀], rank r′ + r₀), then optionally truncated with `resizeLora`. Scaling of the result: 1.
 * @example const lora = residualToLora(trained, initial)
 * @since 0.1.0  @category convert
 */
export const residualToLora = <T extends Float>(trained: LoraPair<T>, initial: LoraPair<T>, opts: ResidualToLoraOptions = {}): ResizedLora<T> => {
  assertPair('residualToLora', trained); assertPair('residualToLora', initial)
  if (trained.a.shape[1] !== initial.a.shape[1] || trained.b.shape[0] !== initial.b.shape[0])
    throw new ShapeMismatch('residualToLora', 'trained and initial adapters have the same [out, in]', [trained.b.shape[0], trained.a.shape[1]], [initial.b.shape[0], initial.a.shape[1]])
  const stacked = stackPairs([trained, initial], [1, -1])
  const full = stacked.a.shape[0]
  if (opts.rank === undefined) {
    return { a: castLike(stacked.a, trained.a), b: castLike(stacked.b, trained.a), scaling: 1, rank: full, singularValues: new Float64Array(0), relativeError: 0 }
  }
  const res = resizeLora(stacked, { rank: opts.rank, scaling: 1 })
  return { ...res, a: castLike(res.a, trained.a), b: castLike(res.b, trained.a) }
}
