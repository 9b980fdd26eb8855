import { ShapeMismatch, InvalidArgument, type Float } from '@lr/svd'
import type { LoraPair } from '../types.js'
import { assertPair } from '../merge/loraDelta.js'
import { resizeLora, stackPairs, type ResizedLora } from '../resize/resizeLora.js'
import { castLike } from '../internal/linalg.js'
import type { RankRule } from '../extract/selectLoraRank.js'

/** Options of `combineLoras`.  @since 0.1.0  @category combine */
export interface CombineLorasOptions {
  /** Weight of each LoRA. @default 1 each */
  readonly weights?: readonly number[]
  /** Target rank (upper bound for a dynamic rule). @default Σ rᵢ (exact, no truncation) */
  readonly rank?: number
  /** Dynamic rank rule. @default { kind: 'fixed' } */
  readonly rule?: RankRule
  /** Scaling of the result. @default 1 */
  readonly scaling?: number
}

/**
 * Combines LoRAs of one module into one: ΔW = Σᵢ wᵢ·sᵢ·Bᵢ·Aᵢ, refactored to the target rank without forming
 * ΔW (stack [w₁s₁B₁ | w₂s₂B₂ | …] and [A₁; A₂; …], then `resizeLora`'s QR + r×r SVD). The best rank-k
 * approximation of the weighted sum (kohya `svd_merge_lora.py` forms ΔW instead). f32|f64; dtype follows
 * the first A.
 * @example const merged = combineLoras([l1, l2], { weights: [0.7, 0.3], rank: 16 })
 * @since 0.1.0  @category combine
 */
export const combineLoras = <T extends Float>(pairs: readonly LoraPair<T>[], opts: CombineLorasOptions = {}): ResizedLora<T> => {
  if (pairs.length === 0) throw new InvalidArgument('combineLoras', 'pairs', 'give at least one LoRA')
  const weights = opts.weights ?? pairs.map(() => 1)
  if (weights.length !== pairs.length) throw new InvalidArgument('combineLoras', 'weights', `${weights.length} weights for ${pairs.length} LoRAs; give one weight per LoRA`)
  const first = pairs[0]!
  for (const p of pairs) {
    assertPair('combineLoras', p)
    if (p.a.shape[1] !== first.a.shape[1] || p.b.shape[0] !== first.b.shape[0])
      throw new ShapeMismatch('combineLoras', 'every LoRA has the same [out, in]', [p.b.shape[0], p.a.shape[1]], [first.b.shape[0], first.a.shape[1]])
  }
  const stacked = stackPairs(pairs, weights)
  const r = stacked.a.shape[0]
  const res = resizeLora(stacked, { rank: Math.min(opts.rank ?? r, r), rule: opts.rule ?? { kind: 'fixed' }, scaling: opts.scaling ?? 1 })
  return { ...res, a: castLike(res.a, first.a), b: castLike(res.b, first.a) }
}
