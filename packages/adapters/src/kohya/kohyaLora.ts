import { fromFloat32, type NamedTensor } from '@lr/io-safetensors'
import { matrix } from '@lr/svd'
import { AdapterConfigError, ModuleError } from '../errors.js'
import type { Float32Tensor, LoraAdapter, LoraModule } from '../adapter/loraAdapter.js'
import { loraAdapterFromModules } from '../adapter/loraAdapterFromModules.js'
import { contiguousF32 } from '../internal/f32.js'
import { kohyaName, resolveKohyaName } from './kohyaKeys.js'

/** Metadata key in which we record kohya name → module path, so our kohya files read back exactly. */
export const KOHYA_MODULES_METADATA = 'lr_kohya_modules'

/** Options of `parseKohyaLora`.  @since 0.1.0  @category kohya */
export interface ParseKohyaLoraOptions {
  /** The base model's module names (tensor names without `.weight`), to map names exactly. @default heuristics */
  readonly modules?: Iterable<string>
  /** The file's `__metadata__` (reads our `lr_kohya_modules` map when present). @default {} */
  readonly metadata?: Readonly<Record<string, string>>
  /** Name for messages. @default 'lora.safetensors' */
  readonly file?: string
}

/**
 * Reads a kohya sd-scripts LoRA (`<name>.lora_down.weight` [r, in], `<name>.lora_up.weight` [out, r],
 * `<name>.alpha`): scaling = alpha / r (1 when `alpha` is absent, as sd-scripts). Names map back to module
 * paths through the file's `lr_kohya_modules` metadata, the given `modules`, or known compound names.
 * The result is a `LoraAdapter` whose PEFT config reproduces every module's rank and scaling.
 * @example const adapter = parseKohyaLora(tensors, { modules: ['model.layers.0.self_attn.q_proj'] })
 * @since 0.1.0  @category kohya
 */
export const parseKohyaLora = (tensors: Iterable<Float32Tensor>, opts: ParseKohyaLoraOptions = {}): LoraAdapter<Float32Array> => {
  const file = opts.file ?? 'lora.safetensors'
  let map: Record<string, string> | undefined
  const meta = opts.metadata?.[KOHYA_MODULES_METADATA]
  if (meta !== undefined) {
    try { map = JSON.parse(meta) as Record<string, string> } catch (e) {
      throw new AdapterConfigError('bad-field', file, `__metadata__.${KOHYA_MODULES_METADATA}`, `not JSON (${(e as Error).message}); remove the key or re-export the file`)
    }
  }
  const moduleList = opts.modules === undefined ? undefined : [...opts.modules]
  const parts = new Map<string, { down?: Float32Tensor; up?: Float32Tensor; alpha?: number }>()
  for (const t of tensors) {
    const m = /^(.*)\.(lora_down|lora_up)\.weight$/.exec(t.name) ?? /^(.*)\.(alpha)$/.exec(t.name)
    if (!m) throw new ModuleError('unknown-key', t.name, `${file}: not a kohya LoRA tensor (expected <name>.lora_down.weight, <name>.lora_up.weight or <name>.alpha); LoCon/LoHa/DoRA variants are not supported`)
    const p = parts.get(m[1]!) ?? {}
    if (m[2] === 'lora_down') p.down = t
    else if (m[2] === 'lora_up') p.up = t
    else p.alpha = t.data[0]!
    parts.set(m[1]!, p)
  }
  const pairs = new Map<string, LoraModule<Float32Array>>()
  for (const [name, p] of parts) {
    if (p.down === undefined || p.up === undefined)
      throw new ModuleError('missing-tensor', name, `${file}: has ${p.down ? 'lora_down' : p.up ? 'lora_up' : 'only alpha'} but not both lora_down and lora_up; the file is incomplete`)
    if (p.down.shape.length !== 2 || p.up.shape.length !== 2)
      throw new ModuleError('not-a-matrix', name, `${file}: lora_down [${p.down.shape.join(', ')}], lora_up [${p.up.shape.join(', ')}]: only linear (2-D) LoRAs are supported, not conv`)
    const [r, inF] = p.down.shape as [number, number]
    const [outF, r2] = p.up.shape as [number, number]
    if (r !== r2) throw new ModuleError('rank-mismatch', name, `${file}: lora_down has rank ${r} but lora_up has rank ${r2}; the file is corrupt`)
    const module = map?.[name] ?? resolveKohyaName(name, moduleList)
    if (module === undefined)
      throw new ModuleError('unknown-key', name, `${file}: cannot map this kohya name to a module path; pass the base model (--model) so names can be matched exactly`)
    const alpha = p.alpha ?? r
    pairs.set(module, { module, a: matrix(p.down.data, r, inF), b: matrix(p.up.data, outF, r), rank: r, alpha, scaling: alpha / r, fanInFanOut: false, kind: 'linear' })
  }
  return loraAdapterFromModules(pairs)
}

/** Options of `kohyaTensors`.  @since 0.1.0  @category kohya */
export interface KohyaTensorsOptions {
  /** Name prefix. @default 'lora_te_' */
  readonly prefix?: string
  /** Storage dtype of the weights (alpha is always F32). @default 'F32' */
  readonly dtype?: 'F32' | 'F16' | 'BF16'
}

/**
 * A kohya sd-scripts LoRA for an adapter: `<name>.lora_down.weight` = A, `<name>.lora_up.weight` = B and
 * `<name>.alpha` = scaling·r (so that sd-scripts' alpha/r gives the same scaling, also for rsLoRA adapters),
 * plus metadata (`ss_network_module`, `ss_network_dim`, `ss_network_alpha`, and `lr_kohya_modules`, the
 * name → module map that makes the file read back exactly).
 * @example const { tensors, metadata } = kohyaTensors(adapter)
 * @since 0.1.0  @category kohya
 */
export const kohyaTensors = (adapter: LoraAdapter, opts: KohyaTensorsOptions = {}): { tensors: NamedTensor[]; metadata: Record<string, string> } => {
  const prefix = opts.prefix ?? 'lora_te_'
  const dtype = opts.dtype ?? 'F32'
  const tensors: NamedTensor[] = []
  const names: Record<string, string> = {}
  const ranks = new Set<number>(), alphas = new Set<number>()
  const saved = adapter.modulesToSave?.keys().next()
  if (saved !== undefined && saved.done !== true)
    throw new ModuleError('extra-tensor', saved.value.replace(/\.[^.]+$/, ''), 'is a modules_to_save tensor, which the kohya format has no place for; write the adapter in PEFT format (--format peft)')
  for (const m of adapter.modules.values()) {
    if (m.fanInFanOut) throw new ModuleError('shape-mismatch', m.module, 'fan_in_fan_out / embedding LoRAs have no kohya form; keep them in PEFT format')
    const name = kohyaName(m.module, prefix)
    names[name] = m.module
    const alpha = m.scaling * m.rank
    ranks.add(m.rank); alphas.add(alpha)
    tensors.push(fromFloat32(`${name}.lora_down.weight`, [...m.a.shape], contiguousF32(m.a), dtype))
    tensors.push(fromFloat32(`${name}.lora_up.weight`, [...m.b.shape], contiguousF32(m.b), dtype))
    tensors.push(fromFloat32(`${name}.alpha`, [], new Float32Array([alpha]), 'F32'))
  }
  const metadata: Record<string, string> = {
    ss_network_module: 'networks.lora',
    ss_network_dim: ranks.size === 1 ? String([...ranks][0]) : 'Dynamic',
    ss_network_alpha: alphas.size === 1 ? String([...alphas][0]) : 'Dynamic',
    [KOHYA_MODULES_METADATA]: JSON.stringify(names),
  }
  return { tensors, metadata }
}
