import type { Float, Mat } from '@lr/svd'
import { InvalidArgument } from '@lr/svd'
import { ModuleError } from '../errors.js'
import type { LoraPair } from '../types.js'
import type { Float32Tensor, LoraAdapter, LoraModule } from './loraAdapter.js'
import { peftLoraConfig, type PeftLoraConfigInput } from '../peft/peftConfig.js'
import { resolveModuleSettings } from '../peft/patterns.js'
import { escapeRegex } from '../internal/f32.js'

/** Options of `loraAdapterFromModules`.  @since 0.1.0  @category model */
export interface LoraAdapterFromModulesOptions {
  /** Express scaling as alpha/√r (rsLoRA) in the written config. @default false */
  readonly useRslora?: boolean
  /** Other PEFT config fields (`init_lora_weights`, `base_model_name_or_path`, `task_type`, …). @default {} */
  readonly config?: Omit<PeftLoraConfigInput, 'r' | 'lora_alpha' | 'rank_pattern' | 'alpha_pattern' | 'use_rslora'>
  /** Whole tensors to carry as PEFT `modules_to_save` (e.g. changed norms), named as in the model
   *  (`model.norm.weight`); their modules are listed in the config's `modules_to_save`. @default none */
  readonly modulesToSave?: Iterable<Float32Tensor>
}

/** The module of a saved tensor name: `model.norm.weight` → `model.norm`. */
const moduleOfTensor = (name: string): string => name.slice(0, Math.max(0, name.lastIndexOf('.')))

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
  pairs: ReadonlyMap<string, LoraPair<T> & { readonly fanInFanOut?: boolean; readonly kind?: 'linear' | 'embedding' }>,
  opts: LoraAdapterFromModulesOptions = {},
): LoraAdapter<T> => {
  const saved = new Map<string, Float32Tensor>()
  for (const t of opts.modulesToSave ?? []) {
    if (saved.has(t.name)) throw new InvalidArgument('loraAdapterFromModules', 'modulesToSave', `"${t.name}" is given twice; keep one`)
    if (pairs.has(moduleOfTensor(t.name))) throw new ModuleError('extra-tensor', moduleOfTensor(t.name), 'is both a LoRA module and in modules_to_save; PEFT applies one or the other — drop it from one list')
    saved.set(t.name, t)
  }
  if (pairs.size === 0 && saved.size === 0) throw new InvalidArgument('loraAdapterFromModules', 'pairs', 'no modules given; an adapter needs at least one module')
  const useRslora = opts.useRslora ?? false
  const entries: { module: string; rank: number; alpha: number; a: Mat<T>; b: Mat<T>; scaling: number; fanInFanOut: boolean; kind: 'linear' | 'embedding' }[] = []
  for (const [module, p] of pairs) {
    const rank = p.a.shape[0]
    if (p.b.shape[1] !== rank)
      throw new ModuleError('rank-mismatch', module, `A is [${p.a.shape.join(', ')}] but B is [${p.b.shape.join(', ')}]; B must be [out, r] with r = A's rows`)
    const alpha = useRslora ? p.scaling * Math.sqrt(rank) : p.scaling * rank
    const kind = p.kind ?? 'linear'
    // An embedding LoRA (PEFT lora_embedding_A [r, vocab], lora_embedding_B [dim, r]) adds (B·A)ᵀ: fan-in-fan-out by nature.
    entries.push({ module, rank, alpha, a: p.a, b: p.b, scaling: p.scaling, fanInFanOut: kind === 'embedding' ? true : p.fanInFanOut ?? false, kind })
  }
  const linears = entries.filter((e) => e.kind === 'linear')
  const fanInFanOut = linears[0]?.fanInFanOut ?? false
  for (const e of linears) if (e.fanInFanOut !== fanInFanOut)
    throw new ModuleError('shape-mismatch', e.module, 'mixes fan_in_fan_out modules with regular ones; PEFT has one fan_in_fan_out per adapter — write two adapters')
  const r = entries.length > 0 ? mode(entries.map((e) => e.rank)) : 8
  const alpha = entries.length > 0 ? mode(entries.filter((e) => e.rank === r).map((e) => e.alpha)) : 8
  const rankPattern: Record<string, number> = {}
  const alphaPattern: Record<string, number> = {}
  for (const e of entries) {
    if (e.rank !== r) rankPattern[escapeRegex(e.module)] = e.rank
    if (e.alpha !== alpha) alphaPattern[escapeRegex(e.module)] = e.alpha
  }
  const targets = [...new Set(entries.map((e) => e.module.slice(e.module.lastIndexOf('.') + 1)))]
  const savedModules = [...new Set([...saved.keys()].map(moduleOfTensor))]
  const base = opts.config ?? {}
  const config = peftLoraConfig({
    target_modules: targets, fan_in_fan_out: fanInFanOut, ...base,
    ...(saved.size > 0 ? { extra: { ...(base.extra ?? {}), modules_to_save: savedModules } } : {}),
    r, lora_alpha: alpha, rank_pattern: rankPattern, alpha_pattern: alphaPattern, use_rslora: useRslora,
  })
  const modules = new Map<string, LoraModule<T>>()
  for (const e of entries) {
    const s = resolveModuleSettings(config, e.module)
    modules.set(e.module, { module: e.module, a: e.a, b: e.b, rank: e.rank, alpha: s.alpha, scaling: s.scaling, fanInFanOut: e.fanInFanOut, kind: e.kind })
  }
  return saved.size > 0 ? { config, modules, modulesToSave: saved } : { config, modules }
}
