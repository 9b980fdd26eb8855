import type { Float } from '@lr/svd'
import type { LoraPair } from '../types.js'
import type { PeftLoraConfig } from '../peft/peftConfig.js'

/** One adapted module of an adapter: A `[r, in]`, B `[out, r]`, its rank, alpha and scaling.
 *  `fanInFanOut` means the base weight is stored `[in, out]` (PEFT `fan_in_fan_out`, and embedding LoRAs),
 *  so ΔW is added transposed.
 *  @since 0.1.0  @category model */
export interface LoraModule<T extends Float = Float> extends LoraPair<T> {
  /** Module name inside the model, e.g. `model.layers.0.self_attn.q_proj` (the base tensor is `<module>.weight`). */
  readonly module: string
  readonly rank: number
  readonly alpha: number
  readonly fanInFanOut: boolean
  readonly kind: 'linear' | 'embedding'
}

/** A LoRA adapter: its PEFT config and its modules by name (insertion order = file order).
 *  @since 0.1.0  @category model */
export interface LoraAdapter<T extends Float = Float> {
  readonly config: PeftLoraConfig
  readonly modules: ReadonlyMap<string, LoraModule<T>>
  /** PEFT `modules_to_save`: whole tensors that replace the base model's (changed norms, a retrained
   *  `lm_head`), by their name in the model (`model.norm.weight`). Saved as `base_model.model.<name>`.
   *  @default none */
  readonly modulesToSave?: ReadonlyMap<string, Float32Tensor>
}

/** A decoded tensor as the adapter readers take it (io-safetensors' `toFloat32` gives the data). */
export interface Float32Tensor { readonly name: string; readonly shape: readonly number[]; readonly data: Float32Array }
