import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { SafetensorsError } from '../errors.js'
import { toSafetensorsError } from '../internal/toSafetensorsError.js'
import { checkSpec, planFile, specByteLength, type TensorSpec } from '../internal/layout.js'
import { numel } from '../internal/tensorData.js'
import type { NamedTensor } from '../types.js'
import { INDEX_NAME } from './openCheckpoint.js'
import type { WriteResult } from './writeSafetensors.js'
import { closeQuietly, fill, spool, syncDir, type OutFile, type Spool, type TensorStream } from './writer.js'

/** Options of `writeCheckpoint`. */
export interface WriteCheckpointOptions {
  /** Largest shard, in tensor bytes (huggingface_hub's `max_shard_size`; a larger tensor gets a shard of its own).
   *  @default Infinity (one `model.safetensors`, no index) */
  readonly maxShardBytes?: number
  /** `__metadata__` of every shard (transformers writes `{ format: 'pt' }`). @default none */
  readonly metadata?: Readonly<Record<string, string>>
  /** Names, dtypes and shapes known before the data (see `writeSafetensors`). @default from the input */
  readonly specs?: readonly TensorSpec[]
  /** Other files to place in the directory, e.g. `{ 'config.json': text }`. @default none */
  readonly extraFiles?: Readonly<Record<string, string | Uint8Array>>
}

/** Splits specs into shards exactly as huggingface_hub `split_state_dict_into_shards_factory` (used by transformers
 *  `save_pretrained`): in order, a new shard when the next tensor would tip the current one over `maxShardBytes`,
 *  and a tensor larger than `maxShardBytes` alone in its own shard.
 *  @example planShards(specs, 5e9).map((s) => s.map((t) => t.name))
 *  @since 0.1.0  @category write */
export function planShards<T extends TensorSpec>(specs: readonly T[], maxShardBytes: number): T[][] {
  const shards: T[][] = []
  let current: T[] = []
  let size = 0
  for (const s of specs) {
    const bytes = specByteLength(s)
    if (bytes > maxShardBytes) { shards.push([s]); continue }
    if (size + bytes > maxShardBytes) { shards.push(current); current = []; size = 0 }
    current.push(s)
    size += bytes
  }
  if (current.length > 0 || shards.length === 0) shards.push(current)
  return shards
}

/** The shard file names transformers uses: `model.safetensors` alone, else `model-00001-of-00008.safetensors`, …
 *  @example shardName(0, 8) // 'model-00001-of-00008.safetensors'
 *  @since 0.1.0  @category write */
export const shardName = (i: number, n: number): string =>
  n === 1 ? 'model.safetensors' : `model-${String(i + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`

/** Writes a checkpoint directory as transformers `save_pretrained` does: one `model.safetensors`, or shards of at most
 *  `maxShardBytes` plus `model.safetensors.index.json` (`{ metadata: { total_parameters, total_size }, weight_map }`,
 *  keys sorted, indent 2). Streams one tensor at a time. The directory is built as `<dir>.partial/` (every file
 *  fsynced) and renamed to `dir` at the end, replacing an existing `dir`; on failure `<dir>.partial` is removed and
 *  `dir` is untouched.
 *  @example await writeCheckpoint('out-dir', tensors, { maxShardBytes: 2e9, metadata: { format: 'pt' } })()
 *  @since 0.1.0  @category write */
export function writeCheckpoint(dir: string, tensors: TensorStream, opts: WriteCheckpointOptions = {}): TE.TaskEither<SafetensorsError, WriteResult> {
  return TE.tryCatch(async () => {
    const maxShardBytes = opts.maxShardBytes ?? Infinity
    if (!(maxShardBytes > 0)) throw new SafetensorsError('invalid-tensor', dir, undefined, `maxShardBytes must be > 0, got ${maxShardBytes}`)
    const partial = `${dir}.partial`
    await rm(partial, { recursive: true, force: true })
    await mkdir(partial, { recursive: true })
    const outs: OutFile[] = []
    let spooled: Spool | undefined
    try {
      let specs: readonly TensorSpec[] | undefined = opts.specs ?? (Array.isArray(tensors) ? (tensors as readonly NamedTensor[]) : undefined)
      let source: TensorStream = tensors
      if (specs === undefined) {
        spooled = await spool(tensors, join(partial, `.spool-${randomBytes(4).toString('hex')}`), dir)
        specs = spooled.specs
        source = spooled.replay()
      }
      for (const s of specs) checkSpec(s, dir)
      const shards = planShards(specs, maxShardBytes)
      const names = shards.map((_, i) => shardName(i, shards.length))
      const layouts = shards.map((s, i) => planFile(s, opts.metadata, join(dir, names[i]!)))
      for (const [i, layout] of layouts.entries()) outs.push({ fh: await open(join(partial, names[i]!), 'wx'), layout, file: join(dir, names[i]!) })
      await fill(outs, source)
      for (const o of outs) { await o.fh.sync(); await o.fh.close() }
      outs.length = 0
      await spooled?.cleanup()
      spooled = undefined
      if (shards.length > 1) {
        const weightMap: Record<string, string> = {}
        const entries = shards.flatMap((s, i) => s.map((t) => [t.name, names[i]!] as const)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        for (const [name, file] of entries) Object.defineProperty(weightMap, name, { value: file, enumerable: true })
        const index = {
          metadata: { total_parameters: specs.reduce((s, t) => s + numel(t.shape), 0), total_size: specs.reduce((s, t) => s + specByteLength(t), 0) },
          weight_map: weightMap,
        }
        await writeSynced(join(partial, INDEX_NAME), `${JSON.stringify(index, null, 2)}\n`)
      }
      for (const [name, content] of Object.entries(opts.extraFiles ?? {})) {
        if (name !== basename(name) || name.startsWith('.')) throw new SafetensorsError('invalid-tensor', dir, undefined, `extra file name "${name}" must be a plain file name`)
        await writeSynced(join(partial, name), content)
      }
      await syncDir(partial)
      const old = await stat(dir).then(() => `${dir}.old-${randomBytes(4).toString('hex')}`, () => undefined)
      if (old) await rename(dir, old)
      await rename(partial, dir)
      if (old) await rm(old, { recursive: true, force: true })
      await syncDir(dirname(resolve(dir)))
      return { path: dir, files: names.map((n) => join(dir, n)), totalBytes: specs.reduce((s, t) => s + specByteLength(t), 0) }
    } catch (e) {
      for (const o of outs) await closeQuietly(o.fh)
      await spooled?.cleanup()
      await rm(partial, { recursive: true, force: true })
      throw e
    }
  }, toSafetensorsError(dir))
}

const writeSynced = async (path: string, content: string | Uint8Array): Promise<void> => {
  await writeFile(path, content, { flag: 'wx' })
  const fh = await open(path, 'r+')
  try { await fh.sync() } finally { await fh.close() }
}
