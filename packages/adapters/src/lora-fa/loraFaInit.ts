import type { LoraInit } from '../types.js'
import { loraInit, type RandomInitOptions } from '../lora/loraInit.js'

/** A LoRA-FA init: a LoRA whose A is frozen.  @since 0.1.0  @category inits */
export interface LoraFaInit extends LoraInit {
  /** Factors that must not be trained: A is a fixed random projection. */
  readonly frozen: readonly ['a']
}

/**
 * LoRA-FA init (frozen-A LoRA): A `[r, in]` random kaiming-uniform as PEFT's default and frozen, B `[out, r]`
 * = 0 trained; ΔW = s·B·A, so only B's gradient (and no activation of A's input) is kept in training
 * memory. Paper: LoRA-FA, arXiv:2308.03303. PEFT stores it as a plain LoRA (freeze `lora_A` when training).
 * @example const { a, b, frozen } = loraFaInit({ inFeatures: 256, outFeatures: 256, rank: 8, rng: seededRng(0) })
 * @since 0.1.0  @category inits
 */
export const loraFaInit = (opts: RandomInitOptions): LoraFaInit => ({ ...loraInit(opts), frozen: ['a'] })
