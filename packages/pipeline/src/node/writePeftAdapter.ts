import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import * as TE from 'fp-ts/lib/TaskEither.js'
import type { NamedTensor } from '@lr/io-safetensors'
import { writeSafetensors } from '@lr/io-safetensors/node'
import { StageFailed } from '../errors.js'
import { toLrError, type LrError } from '../lrError.js'
import type { SinkOptions } from '../stream/sinks.js'
import { firstNonFinite } from '../stream/firstNonFinite.js'
import type { TensorStream } from '../stream/stream.js'

/** Options of the `writePeftAdapter` sink.  @since 0.1.0  @category sinks */
export interface WritePeftAdapterOptions extends SinkOptions {
  /** PEFT `lora_alpha`. @default the rank (scaling 1) */
  readonly loraAlpha?: number
  /** Written to `base_model_name_or_path`. @default null */
  readonly baseModel?: string | null
}

/** Sink: a PEFT LoRA adapter directory (`adapter_model.safetensors` + `adapter_config.json`, loadable by
 *  `PeftModel.from_pretrained` and `lr eval --adapter`) from a stream of `…lora_A.weight` / `…lora_B.weight`
 *  tensors (e.g. from `lowRankLora`), held in memory until written (adapters are small). `r` is the largest rank in the stream; modules of a smaller rank go to
 *  `rank_pattern`. Built as `<dir>.partial/` and renamed when complete; nothing is left on failure.
 *  @example await pipe(deltas, mapTensor(lowRankLora({ rank: 64 })), writePeftAdapter('my-lora'))()
 *  @since 0.1.0  @category sinks */
export const writePeftAdapter = (dir: string, opts: WritePeftAdapterOptions = {}) =>
  (s: TensorStream<NamedTensor | readonly NamedTensor[]>): TE.TaskEither<LrError, { readonly path: string; readonly modules: number; readonly rank: number }> =>
    TE.tryCatch(async () => {
      const partial = `${dir}.partial`
      const o = await s.open()
      const tensors: NamedTensor[] = []
      try {
        let done = 0
        for (const it of o.items) {
          const v = await it.load()
          for (const t of Array.isArray(v) ? v as readonly NamedTensor[] : [v as NamedTensor]) {
            const bad = firstNonFinite(t)
            if (bad) throw new StageFailed(opts.label ?? 'write adapter', t.name, `value ${bad.value} at flat index ${bad.index} is not finite`)
            if (!/\.lora_[AB]\.weight$/.test(t.name)) throw new StageFailed(opts.label ?? 'write adapter', t.name, 'not a LoRA tensor (…lora_A.weight / …lora_B.weight); map the stream with lowRankLora first')
            tensors.push(t)
          }
          opts.onProgress?.({ stage: opts.label ?? 'write adapter', done: ++done, total: o.items.length, item: it.name })
        }
      } finally { await o.close() }
      const ranks = new Map<string, number>()
      for (const t of tensors) if (t.name.endsWith('lora_A.weight')) ranks.set(t.name.replace(/^base_model\.model\./, '').replace(/\.lora_A\.weight$/, ''), t.shape[0]!)
      const r = Math.max(...ranks.values())
      const rankPattern: Record<string, number> = {}
      for (const [m, k] of ranks) if (k !== r) rankPattern[m.replace(/\./g, '\\.')] = k
      const targets = [...new Set([...ranks.keys()].map((m) => m.split('.').pop()!))]
      const config = {
        alpha_pattern: {}, base_model_name_or_path: opts.baseModel ?? null, bias: 'none', fan_in_fan_out: false, inference_mode: true,
        init_lora_weights: true, lora_alpha: opts.loraAlpha ?? r, lora_dropout: 0, modules_to_save: null, peft_type: 'LORA', r,
        rank_pattern: rankPattern, target_modules: targets, task_type: 'CAUSAL_LM', use_dora: false, use_rslora: false,
      }
      await rm(partial, { recursive: true, force: true })
      await mkdir(partial, { recursive: true })
      try {
        const w = await writeSafetensors(join(partial, 'adapter_model.safetensors'), tensors, { metadata: { format: 'pt' } })()
        if (w._tag === 'Left') throw w.left
        await writeFile(join(partial, 'adapter_config.json'), `${JSON.stringify(config, null, 2)}\n`)
        const old = await stat(dir).then(() => `${dir}.old-${randomBytes(4).toString('hex')}`, () => undefined)
        if (old) await rename(dir, old)
        await rename(partial, dir)
        if (old) await rm(old, { recursive: true, force: true })
      } catch (e) { await rm(partial, { recursive: true, force: true }); throw e }
      return { path: dir, modules: ranks.size, rank: r }
    }, toLrError)
