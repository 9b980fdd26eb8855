import { fromFloat32, toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { matrix, randomizedSvd, seededRng } from '@lr/svd'

/** Options of `lowRankLora`.  @since 0.1.0  @category stages */
export interface LowRankLoraOptions {
  /** LoRA rank r (capped at min(out, in)). */
  readonly rank: number
  /** Seed of the randomized SVD's Gaussian sketch. @default 0 */
  readonly seed?: number
  /** Power iterations of the randomized SVD. @default 2 */
  readonly powerIters?: number
}

/** A stage for `mapTensor`: ΔW `[out, in]` → its best rank-r approximation as a PEFT LoRA pair, ΔW ≈ B·A with
 *  B = U_r·diag(σ_r) `[out, r]` (`…lora_B.weight`) and A = V_rᵀ `[r, in]` (`…lora_A.weight`), via @lr/svd's
 *  `randomizedSvd` (Halko et al., arXiv:0909.4061). Names follow PEFT's saved keys
 *  (`base_model.model.<module>.lora_A.weight`); with lora_alpha = r the PEFT scaling is 1, so B·A is ΔW's
 *  approximation as is. Eckart–Young: the error ‖ΔW − B·A‖_F is the energy beyond σ_r.
 *  @example pipe(readCheckpoint(tuned), select(/_proj\.weight$/), zipWith(readCheckpoint(base), subtractTensors), mapTensor(lowRankLora({ rank: 64 })))
 *  @since 0.1.0  @category stages */
export const lowRankLora = (opts: LowRankLoraOptions) => function lowRankLora(delta: NamedTensor): NamedTensor[] {
  if (delta.shape.length !== 2) throw new RangeError(`expected a 2-D weight, got shape [${delta.shape.join(', ')}]`)
  const [m, n] = delta.shape as [number, number]
  const r = Math.min(opts.rank, m, n)
  const { u, s, vt } = randomizedSvd(matrix(toFloat32(delta), m, n), { rank: r, rng: seededRng(opts.seed ?? 0), powerIters: opts.powerIters ?? 2 })
  const b = new Float32Array(m * r), a = new Float32Array(r * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) b[i * r + j] = u.data[u.offset + i * u.stride[0] + j * u.stride[1]]! * s[j]!
  for (let j = 0; j < r; j++) for (let k = 0; k < n; k++) a[j * n + k] = vt.data[vt.offset + j * vt.stride[0] + k * vt.stride[1]]!
  const module = delta.name.replace(/\.weight$/, '')
  return [
    fromFloat32(`base_model.model.${module}.lora_A.weight`, [r, n], a, 'F32'),
    fromFloat32(`base_model.model.${module}.lora_B.weight`, [m, r], b, 'F32'),
  ]
}

/** A stage for `zipWith`: tuned − base in f32, named like the tuned tensor (shapes must agree).
 *  @example pipe(readCheckpoint(tuned), zipWith(readCheckpoint(base), subtractTensors))
 *  @since 0.1.0  @category stages */
export function subtractTensors(tuned: NamedTensor, base: NamedTensor): NamedTensor {
  if (tuned.shape.join() !== base.shape.join()) throw new RangeError(`shape [${tuned.shape.join(', ')}] vs [${base.shape.join(', ')}] in the base; the checkpoints are different architectures`)
  const d = toFloat32(tuned), b = toFloat32(base)
  const out = d === tuned.data ? Float32Array.from(d) : d
  for (let i = 0; i < out.length; i++) out[i] = out[i]! - b[i]!
  return fromFloat32(tuned.name, tuned.shape, out, 'F32')
}
