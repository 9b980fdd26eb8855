import * as TE from 'fp-ts/lib/TaskEither.js'
import { openCheckpoint, writeCheckpoint } from '@lr/io-safetensors/node'
import { fromFloat32, type NamedTensor } from '@lr/io-safetensors'
import { matrix, InvalidArgument, type Mat } from '@lr/svd'
import { ModuleError } from '../errors.js'
import type { LoraAdapter, LoraModule } from '../adapter/loraAdapter.js'
import { mergeLora } from '../merge/mergeLora.js'
import type { OnProgress } from '../progress.js'
import { run, toAdapterError } from './internal.js'
import { modelSideFiles } from './copyModelFiles.js'
import type { AdapterIoError } from './peftDir.js'

/** One adapter to merge, with its weight (ΔW is multiplied by it).  @since 0.1.0  @category node */
export interface WeightedAdapter { readonly adapter: LoraAdapter<Float32Array>; readonly weight?: number }

/** Options of `mergeIntoCheckpoint`.  @since 0.1.0  @category node */
export interface MergeIntoCheckpointOptions {
  /** dtype of merged weights: `same` as the base tensor, or F32/BF16/F16. @default 'same' */
  readonly dtype?: 'same' | 'F32' | 'BF16' | 'F16'
  /** Largest shard (bytes). @default 5e9 (transformers' 5GB) */
  readonly maxShardBytes?: number
  readonly onProgress?: OnProgress
}

/** Result of `mergeIntoCheckpoint`.  @since 0.1.0  @category node */
export interface MergeIntoCheckpointResult { readonly dir: string; readonly files: readonly string[]; readonly mergedModules: readonly string[]; readonly bytes: number }

/** What merging does to one base tensor: LoRA deltas to add, or a whole replacement (PEFT modules_to_save). */
export interface MergePlanEntry { readonly deltas: readonly { mod: LoraModule<Float32Array>; weight: number }[]; readonly replace?: Float32Array }

/**
 * Checks adapters against a checkpoint's tensor list (names and shapes) and says what merging does to each
 * base tensor: every module present with the right shape, every `modules_to_save` tensor present with the
 * base's shape and saved by one adapter only (it replaces the base tensor; its weight does not apply).
 * Throws `ModuleError` naming the module and the fix; nothing is read.
 * @example const plan = planMerge(checkpoint.tensors, [{ adapter }], 'base')
 * @since 0.1.0  @category node
 */
export const planMerge = (tensors: readonly { readonly name: string; readonly shape: readonly number[] }[], adapters: readonly WeightedAdapter[], basePath: string): Map<string, MergePlanEntry> => {
  const byName = new Map(tensors.map((t) => [t.name, t]))
  const plan = new Map<string, { mod: LoraModule<Float32Array>; weight: number }[]>()
  const replace = new Map<string, Float32Array>()
  for (const { adapter } of adapters) for (const t of adapter.modulesToSave?.values() ?? []) {
    const b = byName.get(t.name)
    const module = t.name.replace(/\.[^.]+$/, '')
    if (b === undefined) throw new ModuleError('missing-tensor', module, `the adapter saves "${t.name}" (modules_to_save) but ${basePath} has no such tensor; use the base model the adapter was trained on`)
    if (b.shape.join() !== t.shape.join()) throw new ModuleError('shape-mismatch', module, `base "${t.name}" is [${b.shape.join(', ')}] but the adapter saves [${t.shape.join(', ')}]; use the base model the adapter was trained on`)
    if (replace.has(t.name)) throw new ModuleError('extra-tensor', module, `two adapters save "${t.name}" (modules_to_save); merge them one at a time or drop one`)
    replace.set(t.name, t.data)
  }
  for (const { adapter, weight } of adapters) {
    const w = weight ?? 1
    if (!Number.isFinite(w)) throw new InvalidArgument('mergeIntoCheckpoint', 'weight', `must be finite, got ${w}`)
    for (const mod of adapter.modules.values()) {
      const name = `${mod.module}.weight`
      const t = byName.get(name)
      if (t === undefined) throw new ModuleError('missing-tensor', mod.module, `the adapter targets "${name}" but ${basePath} has no such tensor; use the base model the adapter was trained on`)
      const want = mod.fanInFanOut ? [mod.a.shape[1], mod.b.shape[0]] : [mod.b.shape[0], mod.a.shape[1]]
      if (t.shape.length !== 2 || t.shape[0] !== want[0] || t.shape[1] !== want[1])
        throw new ModuleError('shape-mismatch', mod.module, `base weight is [${t.shape.join(', ')}] but the adapter's ΔW is [${want.join(', ')}]${mod.fanInFanOut ? ' (fan_in_fan_out)' : ''}; use the base model the adapter was trained on`)
      if (replace.has(name)) throw new ModuleError('extra-tensor', mod.module, `one adapter has a LoRA on "${name}" and another replaces it (modules_to_save); merge them one at a time`)
      const list = plan.get(name) ?? []
      list.push({ mod, weight: w })
      plan.set(name, list)
    }
  }
  const out = new Map<string, MergePlanEntry>()
  for (const [name, deltas] of plan) out.set(name, { deltas })
  for (const [name, data] of replace) out.set(name, { deltas: [], replace: data })
  return out
}

/**
 * The merged value of one base tensor under `planMerge`'s entry, f32 `[out, in]`: W + Σ wᵢ·sᵢ·Bᵢ·Aᵢ (transposed
 * for fan_in_fan_out / embedding LoRAs), or the saved replacement.
 * @example const w = mergePlanned(entry, baseF32, shape)
 * @since 0.1.0  @category node
 */
export const mergePlanned = (entry: MergePlanEntry, base: Float32Array, shape: readonly number[]): Float32Array => {
  if (entry.replace !== undefined) return entry.replace
  let w: Mat<Float32Array> = matrix(base, shape[0]!, shape[1]!)
  for (const { mod, weight } of entry.deltas) w = mergeLora(w, { a: mod.a, b: mod.b, scaling: mod.scaling * weight }, { fanInFanOut: mod.fanInFanOut })
  return w.data
}

/**
 * Merges one or more adapters into a model checkpoint and writes a complete model directory (weights,
 * config.json and the other small files): W′ = W + Σ wᵢ·sᵢ·Bᵢ·Aᵢ per adapted module, computed in f32 from
 * the stored dtype (PEFT's merge semantics), then stored in the base dtype (or `dtype`); other tensors are
 * copied bit for bit. Streams one tensor at a time; the directory is built as `<dir>.partial` and renamed.
 * Every module is checked against the base first (present, matching shape): nothing is written on error.
 * @example await mergeIntoCheckpoint('base', [{ adapter }], 'merged')()
 * @since 0.1.0  @category node
 */
export const mergeIntoCheckpoint = (basePath: string, adapters: readonly WeightedAdapter[], outDir: string, opts: MergeIntoCheckpointOptions = {}): TE.TaskEither<AdapterIoError, MergeIntoCheckpointResult> =>
  TE.tryCatch(async () => {
    if (adapters.length === 0) throw new InvalidArgument('mergeIntoCheckpoint', 'adapters', 'give at least one adapter')
    const base = await run(openCheckpoint(basePath))
    try {
      const plan = planMerge(base.tensors, adapters, base.path)
      const dtype = opts.dtype ?? 'same'
      const outDtype = (d: NamedTensor['dtype'], isMerged: boolean): NamedTensor['dtype'] =>
        dtype === 'same' || !isMerged || !['F32', 'BF16', 'F16'].includes(d) ? d : dtype
      const specs = base.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: outDtype(t.dtype, plan.has(t.name)) }))
      const total = base.tensors.length
      const merged: string[] = []
      async function* tensors(): AsyncGenerator<NamedTensor> {
        for (const [i, t] of base.tensors.entries()) {
          opts.onProgress?.({ stage: 'merge', done: i, total, item: t.name })
          const entry = plan.get(t.name)
          if (entry === undefined) { yield await run(base.readTensor(t.name)); continue }
          const w = mergePlanned(entry, entry.replace ?? await run(base.readFloat32(t.name)), t.shape)
          merged.push(t.name.slice(0, t.name.lastIndexOf('.')))
          const d = outDtype(t.dtype, true)
          yield fromFloat32(t.name, t.shape, w, d === 'F32' || d === 'BF16' || d === 'F16' ? d : 'F32')
        }
        opts.onProgress?.({ stage: 'merge', done: total, total })
      }
      const extraFiles = await modelSideFiles(basePath)
      const res = await run(writeCheckpoint(outDir, tensors(), { specs, metadata: { format: 'pt' }, maxShardBytes: opts.maxShardBytes ?? 5e9, extraFiles }))
      return { dir: outDir, files: res.files, mergedModules: merged, bytes: res.totalBytes }
    } finally {
      await base.close()
    }
  }, toAdapterError(basePath))
