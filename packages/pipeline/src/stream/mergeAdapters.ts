import { fromFloat32, toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { mergePlanned, type MergePlanEntry } from '@lr/adapters/node'

/** Options of `mergeAdapters`.  @since 0.1.0  @category stages */
export interface MergeAdaptersOptions {
  /** dtype of merged tensors: `same` as the base tensor, or F32/BF16/F16. @default 'same' */
  readonly dtype?: 'same' | 'F32' | 'BF16' | 'F16'
}

/** The dtype a merged tensor is stored in. */
export const mergedDtype = (stored: NamedTensor['dtype'], dtype: MergeAdaptersOptions['dtype']): NamedTensor['dtype'] =>
  dtype === undefined || dtype === 'same' || !['F32', 'BF16', 'F16'].includes(stored) ? stored : dtype

/** A stage for `mapTensor` over a base checkpoint: each tensor that @lr/adapters' `planMerge` names becomes
 *  W + Σ wᵢ·sᵢ·Bᵢ·Aᵢ in f32 (PEFT `merge_and_unload`; transposed for embedding LoRAs), or the adapter's saved
 *  `modules_to_save` tensor; every other tensor passes through bit for bit.
 *  @example pipe(readCheckpoint('base'), mapTensor(mergeAdapters(planMerge(info.tensors, [{ adapter }], 'base'))), writeCheckpoint('merged'))
 *  @since 0.1.0  @category stages */
export const mergeAdapters = (plan: ReadonlyMap<string, MergePlanEntry>, opts: MergeAdaptersOptions = {}) => function merge(t: NamedTensor): NamedTensor {
  const entry = plan.get(t.name)
  if (entry === undefined) return t
  const d = mergedDtype(t.dtype, opts.dtype)
  const w = mergePlanned(entry, entry.replace ?? toFloat32(t), t.shape)
  return fromFloat32(t.name, t.shape, w, d === 'F32' || d === 'BF16' || d === 'F16' ? d : 'F32')
}
