import type { Float, Mat } from '@lr/svd'

/** One LoRA module: ΔW = scaling · B · A with A `[r, in]` and B `[out, r]` (PEFT `lora_A`/`lora_B`;
 *  kohya `lora_down`/`lora_up`). dtype of `a` and `b` agree (f32 or f64).
 *  @since 0.1.0  @category model */
export interface LoraPair<T extends Float = Float> {
  readonly a: Mat<T>
  readonly b: Mat<T>
  readonly scaling: number
}

/** What every init returns: the pair, and `residual` (the changed base weight `[out, in]`) when the
 *  method moves part of W into the adapter (PiSSA, OLoRA, CorDA, MiLoRA, …), so that
 *  residual + scaling·B·A = W at step 0.
 *  @since 0.1.0  @category model */
export interface LoraInit<T extends Float = Float> extends LoraPair<T> {
  readonly residual?: Mat<T>
}

/** The scaling rule of PEFT: `alpha / r`, or `alpha / √r` with rsLoRA (`use_rslora`, arXiv:2312.03732).
 *  @since 0.1.0  @category model */
export interface ScalingOptions {
  /** LoRA alpha (PEFT `lora_alpha`). @default the rank (scaling 1) */
  readonly alpha?: number
  /** rsLoRA scaling alpha/√r (PEFT `use_rslora`). @default false */
  readonly useRslora?: boolean
}
