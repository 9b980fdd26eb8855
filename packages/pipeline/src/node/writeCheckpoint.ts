import * as TE from 'fp-ts/lib/TaskEither.js'
import type { NamedTensor, TensorSpec } from '@lr/io-safetensors'
import { writeCheckpoint as ioWriteCheckpoint, writeSafetensors, type WriteResult } from '@lr/io-safetensors/node'
import { StageFailed } from '../errors.js'
import { toLrError, type LrError } from '../lrError.js'
import type { SinkOptions } from '../stream/sinks.js'
import { firstNonFinite } from '../stream/firstNonFinite.js'
import type { TensorStream } from '../stream/stream.js'

/** Options of the `writeCheckpoint` sink.  @since 0.1.0  @category sinks */
export interface WriteCheckpointSinkOptions extends SinkOptions {
  /** Largest shard in bytes (HF sharding + model.safetensors.index.json). @default one model.safetensors */
  readonly maxShardBytes?: number
  /** `__metadata__` of every shard (e.g. `{ lr_format: 'factored-v1' }`). */
  readonly metadata?: Readonly<Record<string, string>>
  /** More files for the directory, e.g. `{ 'config.json': text }`. */
  readonly extraFiles?: Readonly<Record<string, string | Uint8Array>>
  /** Fail (stage "write") on a NaN or ±Inf in a float tensor. @default true */
  readonly checkFinite?: boolean
  /** Names, dtypes and shapes of the output tensors, known before the data (then each tensor streams straight
   *  to its place in the file, instead of being spooled first). @default learned from the stream */
  readonly specs?: readonly TensorSpec[]
}

/** Sink: writes every tensor (a stage may yield one tensor or several) to a checkpoint directory with
 *  @lr/io-safetensors' `writeCheckpoint`: built as `<dir>.partial/`, renamed to `dir` only when every tensor
 *  succeeded; on any failure nothing is left (no `dir`, no `<dir>.partial`) and the error is the stage's own
 *  `StageFailed` (stage, tensor, reason). Sources are closed in every case.
 *  @example await pipe(readCheckpoint('model'), select(/proj/), mapTensor(lowRank({ rank: 64 })), writeCheckpoint('out'))()
 *  @since 0.1.0  @category sinks */
export const writeCheckpoint = (dir: string, opts: WriteCheckpointSinkOptions = {}) =>
  (s: TensorStream<NamedTensor | readonly NamedTensor[]>): TE.TaskEither<LrError, WriteResult & { readonly tensors: number }> =>
    runWriter(s, opts, (tensors) => ioWriteCheckpoint(dir, tensors, {
      ...(opts.maxShardBytes !== undefined ? { maxShardBytes: opts.maxShardBytes } : {}),
      ...(opts.metadata !== undefined ? { metadata: opts.metadata } : {}),
      ...(opts.extraFiles !== undefined ? { extraFiles: opts.extraFiles } : {}),
      ...(opts.specs !== undefined ? { specs: opts.specs } : {}),
    }))

/** Options of the `writeSafetensorsFile` sink.  @since 0.1.0  @category sinks */
export type WriteSafetensorsFileSinkOptions = Omit<WriteCheckpointSinkOptions, 'maxShardBytes' | 'extraFiles'>

/** Sink: every tensor into one `.safetensors` file with @lr/io-safetensors' `writeSafetensors` (temp file, fsync,
 *  rename: nothing is left on failure; the error is the failing stage's `StageFailed`). Sources are closed in every case.
 *  @example await pipe(readCheckpoint('model'), mapTensor(castTensor('F16')), writeSafetensorsFile('model-f16.safetensors'))()
 *  @since 0.1.0  @category sinks */
export const writeSafetensorsFile = (file: string, opts: WriteSafetensorsFileSinkOptions = {}) =>
  (s: TensorStream<NamedTensor | readonly NamedTensor[]>): TE.TaskEither<LrError, WriteResult & { readonly tensors: number }> =>
    runWriter(s, opts, (tensors) => writeSafetensors(file, tensors, {
      ...(opts.metadata !== undefined ? { metadata: opts.metadata } : {}),
      ...(opts.specs !== undefined ? { specs: opts.specs } : {}),
    }))

/** Drives a stream into an io-safetensors writer: finiteness check, progress, the stage's own error on failure. */
const runWriter = (s: TensorStream<NamedTensor | readonly NamedTensor[]>, opts: WriteSafetensorsFileSinkOptions,
  write: (tensors: AsyncGenerator<NamedTensor>) => TE.TaskEither<LrError, WriteResult>): TE.TaskEither<LrError, WriteResult & { readonly tensors: number }> =>
    async () => {
      let stageError: LrError | undefined
      let opened
      try { opened = await s.open() } catch (e) { return { _tag: 'Left', left: toLrError(e) } }
      const label = opts.label ?? 'write'
      let count = 0
      async function* tensors(): AsyncGenerator<NamedTensor> {
        const total = opened!.items.length
        let done = 0
        for (const it of opened!.items) {
          let v: NamedTensor | readonly NamedTensor[]
          try { v = await it.load() } catch (e) { stageError = toLrError(e); throw e }
          for (const t of Array.isArray(v) ? v as readonly NamedTensor[] : [v as NamedTensor]) {
            if (opts.checkFinite ?? true) {
              const bad = firstNonFinite(t)
              if (bad !== undefined) {
                stageError = new StageFailed(label, t.name, `value ${bad.value} at flat index ${bad.index} is not finite; an earlier stage produced it or the source holds it (fix the input, or pass checkFinite: false to keep it)`)
                throw stageError
              }
            }
            count++
            yield t
          }
          done++
          opts.onProgress?.({ stage: label, done, total, item: it.name })
        }
      }
      try {
        const r = await write(tensors())()
        if (r._tag === 'Left') return { _tag: 'Left', left: stageError ?? r.left }
        return { _tag: 'Right', right: { ...r.right, tensors: count } }
      } finally { await opened.close() }
    }
