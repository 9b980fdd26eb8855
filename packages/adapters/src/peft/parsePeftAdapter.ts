import { matrix } from '@lr/svd'
import { ModuleError } from '../errors.js'
import type { Float32Tensor, LoraAdapter, LoraModule } from '../adapter/loraAdapter.js'
import { parsePeftKey, parseSavedModuleKey } from './peftKeys.js'
import { resolveModuleSettings } from './patterns.js'
import type { PeftLoraConfig } from './peftConfig.js'

/**
 * Builds a `LoraAdapter` from a parsed PEFT config and the adapter's tensors (decoded to f32), checking
 * everything once: each module has both `lora_A` `[r, in]` and `lora_B` `[out, r]`, both are matrices,
 * their rank agrees with each other and with the rank PEFT would give that module (`r`, `rank_pattern`).
 * Scaling follows `lora_alpha`/`alpha_pattern`/`use_rslora`. Tensors of the modules the config lists in
 * `modules_to_save` become `modulesToSave` (whole tensors replacing the base's). Throws `ModuleError` naming the module.
 * @example const adapter = parsePeftAdapter(config, tensors, 'lora/adapter_model.safetensors')
 * @since 0.1.0  @category peft
 */
export const parsePeftAdapter = (config: PeftLoraConfig, tensors: Iterable<Float32Tensor>, file = 'adapter_model.safetensors'): LoraAdapter<Float32Array> => {
  const parts = new Map<string, { a?: Float32Tensor; b?: Float32Tensor; kind: 'linear' | 'embedding' }>()
  const mts = config.extra['modules_to_save']
  const toSave: readonly string[] = Array.isArray(mts) ? mts.filter((x): x is string => typeof x === 'string') : typeof mts === 'string' ? [mts] : []
  const saved = new Map<string, Float32Tensor>()
  for (const t of tensors) {
    const info = parsePeftKey(t.name)
    if (info === undefined) {
      const name = parseSavedModuleKey(t.name, toSave)
      if (name !== undefined) { saved.set(name, { name, shape: t.shape, data: t.data }); continue }
      throw new ModuleError('unknown-key', t.name, `${file}: not a LoRA tensor (expected "<module>.lora_A.weight" or "<module>.lora_B.weight") and not of a module in adapter_config.json's modules_to_save (${JSON.stringify(toSave)}); add its module to modules_to_save, or remove the tensor (trainable tokens are not supported)`)
    }
    const p = parts.get(info.module) ?? { kind: info.kind }
    if (info.which === 'A') p.a = t; else p.b = t
    parts.set(info.module, p)
  }
  const modules = new Map<string, LoraModule<Float32Array>>()
  for (const [module, p] of parts) {
    if (p.a === undefined || p.b === undefined)
      throw new ModuleError('missing-tensor', module, `${file}: has lora_${p.a ? 'A' : 'B'} but no lora_${p.a ? 'B' : 'A'}; the adapter file is incomplete, re-save it`)
    for (const t of [p.a, p.b]) if (t.shape.length !== 2)
      throw new ModuleError('not-a-matrix', module, `${file}: "${t.name}" has shape [${t.shape.join(', ')}], expected 2 dimensions (conv LoRAs are not supported)`)
    const [ra, inF] = p.a.shape as [number, number]
    const [outF, rb] = p.b.shape as [number, number]
    if (ra !== rb)
      throw new ModuleError('rank-mismatch', module, `${file}: lora_A is [${p.a.shape.join(', ')}] (rank ${ra}) but lora_B is [${p.b.shape.join(', ')}] (rank ${rb}); the file is corrupt`)
    const s = resolveModuleSettings(config, module)
    if (s.rank !== ra)
      throw new ModuleError('rank-mismatch', module, `${file}: tensors have rank ${ra} but adapter_config.json gives rank ${s.rank} (r=${config.r}, rank_pattern ${JSON.stringify(config.rank_pattern)}); fix r or rank_pattern`)
    const kind = p.kind
    // PEFT embedding LoRA: lora_embedding_A [r, num_embeddings], lora_embedding_B [dim, r]; ΔW = (B·A)ᵀ.
    modules.set(module, {
      module, rank: ra, alpha: s.alpha, scaling: s.scaling, kind,
      fanInFanOut: kind === 'embedding' ? true : config.fan_in_fan_out,
      a: matrix(p.a.data, ra, inF), b: matrix(p.b.data, outF, rb),
    })
  }
  return saved.size > 0 ? { config, modules, modulesToSave: saved } : { config, modules }
}
