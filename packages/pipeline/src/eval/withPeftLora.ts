import { UnsupportedModel, ModelTensorError } from '../errors.js'
import { loraLinear } from './linear.js'
import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { mapLinears, type LlamaModel, type TensorLookup } from './llama.js'

const f32 = (t: NamedTensor): Float32Array => (t.dtype === 'F32' ? t.data as Float32Array : toFloat32(t))

/** PEFT's pattern lookup: the first key `k` of `pattern` with `(.*\.)?(k)$` matching the module name. */
const patternValue = (pattern: unknown, module: string): number | undefined => {
  if (!pattern || typeof pattern !== 'object') return undefined
  for (const [k, v] of Object.entries(pattern as Record<string, unknown>))
    if (typeof v === 'number' && new RegExp(`(.*\\.)?(${k})$`).test(module)) return v
  return undefined
}

/** Wraps every projection that a PEFT LoRA adapter targets in an unmerged `loraLinear`
 *  (y = W·x + scaling·B·(A·x), scaling = lora_alpha/r, or lora_alpha/√r with `use_rslora`;
 *  `rank_pattern` / `alpha_pattern` honoured as PEFT matches them). `config` is the parsed
 *  `adapter_config.json`; `get` looks up adapter tensors by their saved names
 *  (`base_model.model.<module>.lora_A.weight`, A `[r, in]`, B `[out, r]`).
 *  Throws `UnsupportedModel` for DoRA, biases and fan_in_fan_out, `ModelTensorError` for a missing B.
 *  @example const tuned = withPeftLora(model, JSON.parse(cfgText), (n) => adapter.get(n), 'adapter_model.safetensors')
 *  @since 0.1.0  @category eval */
export const withPeftLora = (model: LlamaModel, config: unknown, get: TensorLookup, names: Iterable<string>, file = 'adapter_model.safetensors'): LlamaModel => {
  const c = (config ?? {}) as Record<string, unknown>
  const cfgFile = 'adapter_config.json'
  if (c['peft_type'] !== undefined && c['peft_type'] !== 'LORA') throw new UnsupportedModel(cfgFile, 'peft_type', `"${String(c['peft_type'])}" is not LORA`)
  if (c['use_dora'] === true) throw new UnsupportedModel(cfgFile, 'use_dora', 'DoRA adapters are not supported by the evaluator; merge the adapter first (lr lora merge)')
  if (c['bias'] !== undefined && c['bias'] !== 'none') throw new UnsupportedModel(cfgFile, 'bias', `"${String(c['bias'])}": adapters that train biases are not supported`)
  if (c['fan_in_fan_out'] === true) throw new UnsupportedModel(cfgFile, 'fan_in_fan_out', 'true (Conv1D layout) is not supported for Llama')
  const r0 = c['r'], alpha0 = c['lora_alpha']
  if (typeof r0 !== 'number' || typeof alpha0 !== 'number') throw new UnsupportedModel(cfgFile, 'r / lora_alpha', 'missing; not a PEFT LoRA adapter_config.json')
  const modules = new Map<string, { a: NamedTensor; aName: string }>()
  for (const n of names) {
    const m = /^(?:base_model\.model\.)?(.*)\.lora_A(?:\.default)?\.weight$/.exec(n)
    if (m) modules.set(m[1]!, { a: get(n)!, aName: n })
  }
  if (modules.size === 0) throw new ModelTensorError(file, '*.lora_A.weight', 'no LoRA tensors found; is this a PEFT LoRA adapter?')
  const used = new Set<string>()
  const out = mapLinears(model, (name, lin) => {
    const hit = modules.get(name)
    if (!hit) return lin
    used.add(name)
    const bName = hit.aName.replace('lora_A', 'lora_B')
    const b = get(bName)
    if (!b) throw new ModelTensorError(file, bName, `missing; lora_A "${hit.aName}" has no matching lora_B`)
    const r = hit.a.shape[0]!
    const rank = patternValue(c['rank_pattern'], name) ?? r0
    if (rank !== r) throw new ModelTensorError(file, hit.aName, `rank ${r} disagrees with adapter_config.json (r / rank_pattern gives ${rank})`)
    const alpha = patternValue(c['alpha_pattern'], name) ?? alpha0
    const scaling = c['use_rslora'] === true ? alpha / Math.sqrt(r) : alpha / r
    if (hit.a.shape[1] !== lin.inFeatures || b.shape[0] !== lin.outFeatures || b.shape[1] !== r)
      throw new ModelTensorError(file, hit.aName, `A [${hit.a.shape}] / B [${b.shape}] do not fit ${name} [${lin.outFeatures}, ${lin.inFeatures}]; the adapter was trained on another model`)
    return loraLinear(lin, f32(hit.a), f32(b), { rank: r, scaling })
  })
  const unused = [...modules.keys()].filter((m) => !used.has(m))
  if (unused.length > 0) throw new ModelTensorError(file, unused[0]!, `the adapter targets ${unused.length} module(s) the model does not have (first: "${unused[0]}"); the adapter was trained on another model`)
  return out
}
