import { join } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { loraAdapterFromModules, ModuleError, type Float32Tensor, type LoraAdapter, type LoraAdapterFromModulesOptions, type LoraModule, type LoraPair, type PeftLoraConfig } from '@lr/adapters'
import { writeKohyaFile, writePeftAdapterDir } from '@lr/adapters/node'
import { StageFailed } from '../errors.js'
import { toLrError, type LrError } from '../lrError.js'
import type { AdapterEntry } from '../stream/adapterEntry.js'
import type { SinkOptions } from '../stream/sinks.js'
import type { TensorStream } from '../stream/stream.js'

/** Options of the `writeLoraAdapter` sink.  @since 0.1.0  @category sinks */
export interface WriteLoraAdapterOptions extends SinkOptions {
  /** `peft`: a directory (adapter_config.json + adapter_model.safetensors); `kohya`: a .safetensors file (`out`
   *  itself when it ends in .safetensors, else `out/lora.safetensors`; no modules_to_save). @default 'peft' */
  readonly format?: 'peft' | 'kohya'
  /** Storage dtype of A, B and saved tensors. @default 'F32' */
  readonly dtype?: 'F32' | 'F16' | 'BF16'
  /** PEFT config fields of the new adapter (`task_type`, `base_model_name_or_path`, …); r, lora_alpha and the
   *  rank/alpha patterns follow from the modules (`loraAdapterFromModules`). @default {} */
  readonly config?: LoraAdapterFromModulesOptions['config']
  /** Express scaling as alpha/√r (rsLoRA). @default false */
  readonly useRslora?: boolean
  /** Keep this config as is (a format conversion): the entries must then be the adapter's own modules
   *  (with rank and alpha), e.g. from `loraModules`. @default a new config from the modules */
  readonly keepConfig?: PeftLoraConfig
}

/** Result of `writeLoraAdapter`: where it went, the adapter written, and each entry's `report`.  @since 0.1.0  @category sinks */
export interface WriteLoraAdapterResult {
  readonly out: string
  readonly format: 'peft' | 'kohya'
  readonly adapter: LoraAdapter<Float32Array>
  readonly reports: readonly object[]
}

/** Sink: an adapter from a stream of `AdapterEntry` (LoRA modules from `extractLoraModule`, resized or converted
 *  modules, `savedModule` tensors for PEFT `modules_to_save`), written by @lr/adapters' `writePeftAdapterDir`
 *  (built as `<dir>.partial/`, renamed when complete) or `writeKohyaFile` (temp file + rename). Entries are held
 *  in memory until written (adapters are small). Nothing is left on failure; the error names the stage and module.
 *  @example await pipe(deltas, mapTensor(extractLoraModule({ rank: 64 })), writeLoraAdapter('my-lora'))()
 *  @since 0.1.0  @category sinks */
export const writeLoraAdapter = (out: string, opts: WriteLoraAdapterOptions = {}) =>
  (s: TensorStream<AdapterEntry | readonly AdapterEntry[]>): TE.TaskEither<LrError, WriteLoraAdapterResult> =>
    TE.tryCatch(async () => {
      const label = opts.label ?? 'write adapter'
      const format = opts.format ?? 'peft'
      const o = await s.open()
      const pairs = new Map<string, LoraEntry['lora']>()
      const saved: Float32Tensor[] = []
      const reports: object[] = []
      try {
        let done = 0
        for (const it of o.items) {
          const v = await it.load()
          for (const e of Array.isArray(v) ? v as readonly AdapterEntry[] : [v as AdapterEntry]) {
            if (e.type === 'saved') saved.push(e.tensor)
            else {
              if (pairs.has(e.name)) throw new StageFailed(label, e.name, 'two LoRA entries for one module; select each module once')
              pairs.set(e.name, e.lora)
              if (e.report !== undefined) reports.push(e.report)
            }
          }
          opts.onProgress?.({ stage: label, done: ++done, total: o.items.length, item: it.name })
        }
      } finally { await o.close() }
      let adapter: LoraAdapter<Float32Array>
      if (opts.keepConfig !== undefined) {
        const modules = new Map<string, LoraModule<Float32Array>>()
        for (const [name, l] of pairs) {
          if (l.rank === undefined || l.alpha === undefined) throw new StageFailed(label, name, 'keepConfig needs the adapter\'s own modules (with rank and alpha), e.g. from loraModules(adapter)')
          modules.set(name, { module: name, a: l.a, b: l.b, scaling: l.scaling, rank: l.rank, alpha: l.alpha, fanInFanOut: l.fanInFanOut ?? false, kind: l.kind ?? 'linear' })
        }
        adapter = saved.length > 0 ? { config: opts.keepConfig, modules, modulesToSave: new Map(saved.map((t) => [t.name, t])) } : { config: opts.keepConfig, modules }
      } else {
        adapter = loraAdapterFromModules(pairs as ReadonlyMap<string, LoraPair<Float32Array> & { fanInFanOut?: boolean; kind?: 'linear' | 'embedding' }>, {
          ...(opts.useRslora !== undefined ? { useRslora: opts.useRslora } : {}),
          ...(opts.config !== undefined ? { config: opts.config } : {}),
          ...(saved.length > 0 ? { modulesToSave: saved } : {}),
        })
      }
      const dtype = opts.dtype ?? 'F32'
      if (format === 'kohya' && saved.length > 0)
        throw new ModuleError('extra-tensor', saved[0]!.name.replace(/\.[^.]+$/, ''), 'is a modules_to_save tensor, which the kohya format has no place for; write the adapter in PEFT format (--format peft)')
      const r = format === 'peft'
        ? await writePeftAdapterDir(out, adapter, { dtype })()
        : await writeKohyaFile(out.endsWith('.safetensors') ? out : join(out, 'lora.safetensors'), adapter, { dtype })()
      if (r._tag === 'Left') throw r.left
      return { out: 'dir' in r.right ? r.right.dir : r.right.file, format, adapter, reports }
    }, toLrError)

type LoraEntry = Extract<AdapterEntry, { type: 'lora' }>
