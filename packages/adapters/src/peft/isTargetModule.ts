import type { PeftLoraConfig } from './peftConfig.js'

const matchesList = (list: readonly string[] | string, module: string): boolean =>
  typeof list === 'string'
    ? new RegExp(`^(?:${list})$`).test(module)
    : list.some((t) => module === t || module.endsWith(`.${t}`))

/** Names PEFT's `"all-linear"` never targets: the output layer. */
const OUTPUT_LAYERS = new Set(['lm_head', 'embed_out', 'output', 'classifier', 'score'])

/**
 * Whether PEFT would put a LoRA on `module` (a linear layer's name, without `.weight`) under `config`,
 * following `check_target_module_exists`: a string `target_modules` is a full-match regex; a list
 * matches the name or a `.`-separated suffix; `"all-linear"` takes every linear except the output
 * layer; `exclude_modules` the same way; `layers_to_transform` (with `layers_pattern`) filters on the
 * layer index found in the name.
 * @example isTargetModule(config, 'model.layers.0.self_attn.q_proj')
 * @since 0.1.0  @category peft
 */
export const isTargetModule = (config: Pick<PeftLoraConfig, 'target_modules' | 'exclude_modules' | 'layers_to_transform' | 'layers_pattern'>, module: string): boolean => {
  const targets = config.target_modules
  if (targets === null) return false
  if (config.exclude_modules !== null && matchesList(config.exclude_modules, module)) return false
  const last = module.slice(module.lastIndexOf('.') + 1)
  const found = targets === 'all-linear' ? !OUTPUT_LAYERS.has(last) : matchesList(targets, module)
  if (!found) return false
  const idx = config.layers_to_transform
  if (idx === null || (Array.isArray(idx) && idx.length === 0)) return true
  const patterns = config.layers_pattern === null || config.layers_pattern.length === 0 ? null
    : typeof config.layers_pattern === 'string' ? [config.layers_pattern] : config.layers_pattern
  let layer: RegExpExecArray | null = null
  if (patterns === null) layer = /^.*\.[^.]*\.(\d+)\./.exec(module)
  else for (const p of patterns) { layer = new RegExp(`^.*\\.${p}\\.(\\d+)\\.`).exec(module); if (layer) break }
  if (layer === null) return false
  const i = Number(layer[1])
  return typeof idx === 'number' ? i === idx : (idx as readonly number[]).includes(i)
}
