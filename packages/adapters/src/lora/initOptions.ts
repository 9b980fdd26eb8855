import type { ScalingOptions } from '../types.js'

/** Options every init takes: the rank and PEFT's scaling rule.  @since 0.1.0  @category inits */
export interface InitOptions extends ScalingOptions {
  /** LoRA rank r (PEFT `r`), 1 ≤ r ≤ min(out, in). */
  readonly rank: number
}
