import type { CheckpointTensor } from '@lr/io-safetensors/node'
import { isTargetModule } from '../peft/isTargetModule.js'

/** Last name components that are embeddings or the output layer, never treated as LoRA targets by default. */
const NOT_LINEAR = new Set(['embed_tokens', 'wte', 'wpe', 'word_embeddings', 'lm_head', 'embed_out', 'embeddings', 'shared'])

/** Last name components of input-embedding tables (`[vocab, hidden]`, PEFT wraps them in `lora.Embedding`). */
const EMBEDDINGS = new Set(['embed_tokens', 'wte', 'wpe', 'word_embeddings', 'embed_in', 'embeddings', 'shared'])

/** Whether `module` is an input-embedding table (its LoRA is PEFT's `lora_embedding_A`/`_B`, ΔW = (B·A)ᵀ).
 *  @example isEmbeddingModule('model.embed_tokens') // true
 *  @since 0.1.0  @category node */
export const isEmbeddingModule = (module: string): boolean => EMBEDDINGS.has(module.slice(module.lastIndexOf('.') + 1))

/** Targets: PEFT `target_modules` semantics (a list of suffixes, a full-match regex, or 'all-linear'). */
export type Targets = readonly string[] | string

/**
 * The linear modules of a checkpoint that a target spec selects: every 2-D `<module>.weight`, filtered by
 * PEFT's `target_modules` matching; `all-linear` (the default) skips embeddings and the output layer.
 */
export const linearModules = (tensors: readonly CheckpointTensor[], targets: Targets = 'all-linear'): { module: string; tensor: CheckpointTensor }[] => {
  const out: { module: string; tensor: CheckpointTensor }[] = []
  for (const t of tensors) {
    if (!t.name.endsWith('.weight') || t.shape.length !== 2) continue
    const module = t.name.slice(0, -'.weight'.length)
    const last = module.slice(module.lastIndexOf('.') + 1)
    if (targets === 'all-linear' && NOT_LINEAR.has(last)) continue
    if (!isTargetModule({ target_modules: targets, exclude_modules: null, layers_to_transform: null, layers_pattern: null }, module)) continue
    out.push({ module, tensor: t })
  }
  return out
}
