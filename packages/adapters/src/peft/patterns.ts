import type { PeftLoraConfig } from './peftConfig.js'
import { loraScaling } from '../lora/loraScaling.js'

/**
 * The first key of `patternKeys` (in insertion order) that matches the end of `module` as PEFT's
 * `get_pattern_key` does: the regex `(.*\.)?(key)$` anchored at the start; `module` itself when none matches.
 * @example getPatternKey(['q_proj', 'down_proj'], 'model.layers.0.self_attn.q_proj') // 'q_proj'
 * @since 0.1.0  @category peft
 */
export const getPatternKey = (patternKeys: Iterable<string>, module: string): string => {
  for (const key of patternKeys) if (new RegExp(`^(.*\\.)?(${key})$`).test(module)) return key
  return module
}

/** The rank, alpha and scaling of one module under a PEFT config (`rank_pattern`, `alpha_pattern`, `use_rslora`).
 *  @since 0.1.0  @category peft */
export interface ModuleLoraSettings { readonly rank: number; readonly alpha: number; readonly scaling: number }

/**
 * Resolves a module's rank and alpha exactly as PEFT's `LoraModel._create_and_replace`:
 * `r = rank_pattern.get(get_pattern_key(rank_pattern, module), r)`, the same for alpha, then
 * scaling = alpha / r, or alpha / √r with `use_rslora`.
 * `module` is the name inside the model (`model.layers.0.self_attn.q_proj`), without `base_model.model.`.
 * @example const { rank, scaling } = resolveModuleSettings(config, 'model.layers.0.mlp.down_proj')
 * @since 0.1.0  @category peft
 */
export const resolveModuleSettings = (config: PeftLoraConfig, module: string): ModuleLoraSettings => {
  const rKey = getPatternKey(Object.keys(config.rank_pattern), module)
  const aKey = getPatternKey(Object.keys(config.alpha_pattern), module)
  const rank = config.rank_pattern[rKey] ?? config.r
  const alpha = config.alpha_pattern[aKey] ?? config.lora_alpha
  return { rank, alpha, scaling: loraScaling({ rank, alpha, useRslora: config.use_rslora }) }
}
