import { svd, InvalidArgument, ShapeMismatch, type Mat } from '@lr/svd'
import { toF64 } from '../internal/linalg.js'

/** Options of `intruderDimensions`.  @since 0.1.0  @category diagnostics */
export interface IntruderDimensionsOptions {
  /** How many leading singular vectors of the fine-tuned weight to test. @default 10 */
  readonly topK?: number
  /** A vector is an intruder when its best |cosine| with every singular vector of W is below this. @default 0.5 */
  readonly threshold?: number
}

/** Result of `intruderDimensions`.  @since 0.1.0  @category diagnostics */
export interface IntruderDimensions {
  /** For each of the top-k left singular vectors of W + ΔW: max over i of |⟨u′ⱼ, uᵢ⟩| with W's singular vectors. */
  readonly maxCosine: Float64Array
  /** Indices j (0-based rank in W + ΔW) whose max cosine is below the threshold. */
  readonly intruders: readonly number[]
  /** Singular values of W + ΔW for those k vectors. */
  readonly singularValues: Float64Array
}

/**
 * Intruder dimensions: SVD of W `[out, in]` and W′ = W + ΔW; a high-ranking left singular vector u′ⱼ of W′
 * (j < topK) whose cosine similarity with every left singular vector of W is below `threshold` is an
 * "intruder" — a new direction that LoRA fine-tuning tends to create and full fine-tuning does not.
 * Paper: "LoRA vs Full Fine-tuning: An Illusion of Equivalence", arXiv:2410.21228.
 * @example const { intruders } = intruderDimensions(w, loraDelta(pair), { topK: 10, threshold: 0.5 })
 * @since 0.1.0  @category diagnostics
 */
export const intruderDimensions = (w: Mat, delta: Mat, opts: IntruderDimensionsOptions = {}): IntruderDimensions => {
  if (w.shape[0] !== delta.shape[0] || w.shape[1] !== delta.shape[1]) throw new ShapeMismatch('intruderDimensions', 'w and delta have the same shape', w.shape, delta.shape)
  const [m, n] = w.shape
  const topK = opts.topK ?? 10
  const threshold = opts.threshold ?? 0.5
  if (!Number.isInteger(topK) || topK < 1 || topK > Math.min(m, n)) throw new InvalidArgument('intruderDimensions', 'topK', `must be in 1..${Math.min(m, n)}, got ${topK}`)
  const w64 = toF64(w), d64 = toF64(delta)
  const wp = toF64(w64)
  for (let i = 0; i < wp.data.length; i++) wp.data[i] = wp.data[i]! + d64.data[i]!
  const base = svd(w64, { mode: 'thin' }), tuned = svd(wp, { mode: 'thin' })
  const k0 = base.s.length
  const maxCosine = new Float64Array(topK), sv = new Float64Array(topK)
  const intruders: number[] = []
  for (let j = 0; j < topK; j++) {
    sv[j] = tuned.s[j]!
    let best = 0
    for (let i = 0; i < k0; i++) {
      let dot = 0
      for (let r = 0; r < m; r++) dot += tuned.u.data[tuned.u.offset + r * tuned.u.stride[0] + j * tuned.u.stride[1]]! * base.u.data[base.u.offset + r * base.u.stride[0] + i * base.u.stride[1]]!
      best = Math.max(best, Math.abs(dot))
    }
    maxCosine[j] = best
    if (best < threshold) intruders.push(j)
  }
  return { maxCosine, intruders, singularValues: sv }
}
