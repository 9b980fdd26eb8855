import { fromFloat32, type NamedTensor } from '@lr/io-safetensors'
import type { LoraAdapter } from '../adapter/loraAdapter.js'
import { contiguousF32 } from '../internal/f32.js'
import { peftKey, PEFT_PREFIX } from './peftKeys.js'

/** Options of `peftAdapterTensors`.  @since 0.1.0  @category peft */
export interface PeftAdapterTensorsOptions {
  /** Storage dtype of A and B. @default 'F32' */
  readonly dtype?: 'F32' | 'F16' | 'BF16'
}

/**
 * The tensors of `adapter_model.safetensors` for an adapter, with PEFT's key names
 * (`base_model.model.<module>.lora_A.weight` `[r, in]`, `….lora_B.weight` `[out, r]`; embedding LoRAs as
 * `lora_embedding_A`/`lora_embedding_B`), in module order, A before B.
 * @example const tensors = peftAdapterTensors(adapter, { dtype: 'F32' })
 * @since 0.1.0  @category peft
 */
export const peftAdapterTensors = (adapter: LoraAdapter, opts: PeftAdapterTensorsOptions = {}): NamedTensor[] => {
  const dtype = opts.dtype ?? 'F32'
  const out: NamedTensor[] = []
  for (const m of adapter.modules.values()) {
    const [nameA, nameB] = m.kind === 'embedding'
      ? [`${PEFT_PREFIX}${m.module}.lora_embedding_A`, `${PEFT_PREFIX}${m.module}.lora_embedding_B`]
      : [peftKey(m.module, 'A'), peftKey(m.module, 'B')]
    out.push(fromFloat32(nameA, [...m.a.shape], contiguousF32(m.a), dtype))
    out.push(fromFloat32(nameB, [...m.b.shape], contiguousF32(m.b), dtype))
  }
  for (const t of adapter.modulesToSave?.values() ?? []) out.push(fromFloat32(`${PEFT_PREFIX}${t.name}`, [...t.shape], t.data, dtype))
  return out
}
