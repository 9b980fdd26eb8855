import type { Float32Tensor, LoraPair } from '@lr/adapters'

/** One LoRA module on its way to an adapter sink: A `[r, in]`, B `[out, r]`, scaling (f32), and how it applies
 *  (`kind: 'embedding'` = PEFT's `lora_embedding_A`/`_B`, ΔW = (B·A)ᵀ). `report` is what the stage measured.
 *  @since 0.1.0  @category stages */
export interface LoraEntry {
  readonly type: 'lora'
  /** The module, e.g. `model.layers.0.self_attn.q_proj` (its base tensor is `<module>.weight`). */
  readonly name: string
  readonly lora: LoraPair<Float32Array> & { readonly kind?: 'linear' | 'embedding'; readonly fanInFanOut?: boolean; readonly rank?: number; readonly alpha?: number }
  readonly report?: object
}

/** A whole tensor an adapter carries as PEFT `modules_to_save` (a changed norm, a retrained `lm_head`), named as
 *  in the model (`model.norm.weight`).
 *  @since 0.1.0  @category stages */
export interface SavedEntry {
  readonly type: 'saved'
  readonly name: string
  readonly tensor: Float32Tensor
}

/** What adapter sinks (`writeLoraAdapter`) take.  @since 0.1.0  @category stages */
export type AdapterEntry = LoraEntry | SavedEntry
