import type { Float, Mat } from '@lr/svd'
import { InvalidArgument } from '@lr/svd'
import { ModuleError } from '../errors.js'
import type { LoraPair } from '../types.js'
import type { LoraAdapter, LoraModule } from './loraAdapter.js'
import { peftLoraConfig, type PeftLoraConfigInput } from '../peft/peftConfig.js'
import { resolveModuleSettings } from '../peft/patterns.js'
import { escapeRegex } from '../internal/f32.js'

/** Options of `loraAdapterFromModules`.  @since 0.1.0  @category model */
export interface LoraAdapterFromModulesOptions {
  /** Express scaling as alpha/√r (rsLoRA) in the written config. @default false */
  readonly useRslora?: boolean
  /** Other PEFT config fields (`init_lora_weights`, `base_model_name_or_path`, `task_type`, …). @default {} */
  readonly config?: Omit<PeftLoraConfigInput, 'r' | 'lora_alpha' | 'rank_pattern' | 'alpha_pattern' | 'use_rslora'>
}

const mode = (xs: readonly number[]): number => {
  const counts = new Map<number, number>()
  let best = xs[0]!, bestN = 0
  for (const x of xs) { const n = (counts.get(x) ?? 0) + 1; counts.set(x, n); if (n > bestN) { best = x; bestN = n } }
  return best
}

/**
 * A `LoraAdapter` (PEFT config + modules) from per-module pairs, each with any scaling: alpha is chosen
 * so PEFT's rule gives exactly that scaling (alpha = s·r, or s·√r with rsLoRA); the config's `r` and
 * `lora_alpha` are the most common values, and every module that differs gets an exact (escaped)
 * `rank_pattern`/`alpha_pattern` entry — as mergekit's extract_lora does. `target_modules` lists the
 * last name components unless `config.target_modules` is given.
 * @example const adapter = loraAdapterFromModules(new Map([['model.layers.0.self_attn.q_proj', pair]]))
 * @since 0.1.0  @category model
 */
export const loraAdapterFromModules = <T extends Float>(
  pairs: ReadonlyMap<string, LoraPair<T> & { readonly fanInFanOut?: boolean }>,
  opts: LoraAdapterFromModulesOptions = {},
): LoraAdapter<T> => {
  if (pairs.size === 0) throw new InvalidArgument('loraAdapterFromModules', 'pairs', 'no modules given; an adapter needs at least one module')
  const useRslora = opts.useRslora ?? false
  const entries: { module: string; rank: number; alpha: number; a: Mat<T>; b: Mat<T>; scaling: number; fanInFanOut: boolean }[] = []
  for (const [module, p] of pairs) {
    const rank = p.a.shape[0]
    if (p.b.shape[1] !== rank)
      throw new ModuleError('rank-mismatch', module, `A is [${p.a.shape.join(', ')}] but B is [${p.b.shape.join(', ')}]; B must be [out, r] with r = A's rows`)
    const alpha = useRslora ? p.scaling * Math.sqrt(rank) : p.scaling * rank
    entries.push({ module, rank, alpha, a: p.a, b: p.b, scaling: p.scaling, fanInFanOut: p.fanInFanOut ?? false })
  }
  const fanInFanOut = entries[0]!.fanInFanOut
  for (const e of entries) if (e.fanInFanOut !== fanInFanOut)
    throw new ModuleError('shape-mismatch', e.module, 'mixes fan_in_fan_out modules with regular ones; PEFT has one fan_in_fan_out per adapter — write two adapters')
  const r = mode(entries.map((e) => e.rank))
  const alpha = mode(entries.filter((e) => e.rank === r).map((e) => e.alpha))
  const rankPattern: Record<string, number> = {}
  const alphaPattern: Record<string, number> = {}
  for (const e of entries) {
    if (e.rank !== r) rankPattern[escapeRegex(e.module)] = e.rank
    if (e.alpha !== alpha) alphaPattern[escapeRegex(e.module)] = e.alpha
  }
  const targets = [...new Set(entries.map((e) => e.module.slice(e.module.lastIndexOf('.') + 1)))]
  const config = peftLoraConfig({
    target_modules: targets, fan_in_fan_out: fanInFanOut, ...(opts.config ?? {}),
    r, lora_alpha: alpha, rank_pattern: rankPattern, alpha_pattern: alphaPattern, use_rslora: useRslora,
  })
  const modules = new Map<string, LoraModule<T>>()
  for (const e of entries) {
    const s = resolveModuleSettings(config, e.module)
    modules.set(e.module, { module: e.module, a: e.a, b: e.b, rank: e.rank, alpha: s.alpha, scaling: s.scaling, fanInFanOut: e.fanInFanOut, kind: 'linear' })
  }
  return { config, modules }
}
