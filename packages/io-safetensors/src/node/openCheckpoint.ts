import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, resolve, sep } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import type { ByteSource } from '../byteSource.js'
import { SafetensorsError } from '../errors.js'
import { toSafetensorsError } from '../internal/toSafetensorsError.js'
import { float32Of, readHeader, readTensorFrom, type ReadTensorOptions } from '../openSafetensors.js'
import type { NamedTensor, TensorInfo } from '../types.js'
import { fileSource } from './fileSource.js'

/** A tensor of a checkpoint and the file that holds it.  @since 0.1.0  @category read */
export interface CheckpointTensor extends TensorInfo {
  /** Absolute path of the .safetensors file holding the tensor. */
  readonly file: string
}

/** An opened checkpoint (one file or a sharded directory): headers validated, tensors read one at a time.
 *  @since 0.1.0  @category read */
export interface Checkpoint {
  /** What was opened (a file or a directory), resolved. */
  readonly path: string
  /** The .safetensors files, in shard order. */
  readonly files: readonly string[]
  /** Shard by shard, each in byte order. */
  readonly tensors: readonly CheckpointTensor[]
  /** `__metadata__` of the file (of the first shard for a sharded checkpoint). */
  readonly metadata: Readonly<Record<string, string>>
  /** The index's `metadata` (e.g. total_size) for a sharded checkpoint, else undefined. */
  readonly indexMetadata: Readonly<Record<string, unknown>> | undefined
  /** Sum of the tensors' byte lengths. */
  readonly totalBytes: number
  /** One positional read of the tensor's bytes into a fresh buffer, or into `opts.into` (reused: no allocation). */
  readTensor(name: string, opts?: ReadTensorOptions): TE.TaskEither<SafetensorsError, NamedTensor>
  readFloat32(name: string): TE.TaskEither<SafetensorsError, Float32Array>
  /** Closes the file handles. */
  close(): Promise<void>
}

/** The name transformers and huggingface_hub give the index of a sharded checkpoint.
 *  @example join(dir, INDEX_NAME)  @since 0.1.0  @category read */
export const INDEX_NAME = 'model.safetensors.index.json'

interface Plan { readonly files: string[]; readonly weightMap: Map<string, string> | undefined; readonly indexMetadata: Record<string, unknown> | undefined }

const readIndex = async (indexPath: string, dir: string): Promise<Plan> => {
  const text = await readFile(indexPath, 'utf8')
  const bad = (detail: string): never => { throw new SafetensorsError('index-invalid', indexPath, undefined, `${detail}; re-save the checkpoint (save_pretrained) or fix the index`) }
  let json: unknown
  try { json = JSON.parse(text) } catch (e) { return bad(`not valid JSON (${(e as Error).message})`) }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return bad('not a JSON object')
  const { weight_map: wm, metadata } = json as Record<string, unknown>
  if (typeof wm !== 'object' || wm === null || Array.isArray(wm)) return bad('"weight_map" is missing or not an object')
  if (metadata !== undefined && (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))) bad('"metadata" is not an object')
  const weightMap = new Map<string, string>()
  const files: string[] = []
  const root = resolve(dir)
  for (const [name, shard] of Object.entries(wm as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '') bad(`weight_map["${name}"] is ${JSON.stringify(shard)}, not a file name`)
    const p = resolve(root, shard as string)
    if (!p.startsWith(root + sep)) bad(`weight_map["${name}"] = "${shard}" points outside the checkpoint directory`)
    if (!files.includes(p)) files.push(p)
    weightMap.set(name, p)
  }
  return { files, weightMap, indexMetadata: metadata as Record<string, unknown> | undefined }
}

const plan = async (path: string): Promise<Plan> => {
  const st = await stat(path)
  if (!st.isDirectory()) return { files: [resolve(path)], weightMap: undefined, indexMetadata: undefined }
  const names = await readdir(path)
  if (names.includes(INDEX_NAME)) return readIndex(join(path, INDEX_NAME), path)
  if (names.includes('model.safetensors')) return { files: [resolve(path, 'model.safetensors')], weightMap: undefined, indexMetadata: undefined }
  const indexes = names.filter((n) => n.endsWith('.safetensors.index.json'))
  if (indexes.length === 1) return readIndex(join(path, indexes[0]!), path)
  const singles = names.filter((n) => n.endsWith('.safetensors'))
  if (indexes.length === 0 && singles.length === 1) return { files: [resolve(path, singles[0]!)], weightMap: undefined, indexMetadata: undefined }
  throw new SafetensorsError('not-found', path, undefined, `no ${INDEX_NAME} or model.safetensors in this directory (found ${[...indexes, ...singles].join(', ') || 'no .safetensors file'}); pass the file itself`)
}

/** Opens a checkpoint: a .safetensors file, a directory with `model.safetensors`, or a sharded directory with
 *  `model.safetensors.index.json` (the transformers layout; any single `*.safetensors.index.json` or single
 *  `*.safetensors` file is also found). Reads and validates every header, checks the index against the shards (each
 *  tensor in exactly the shard the index names), and keeps one file handle per shard; tensors are read on demand with
 *  positional reads, so memory stays bounded by the tensor you hold. Call `close()` when done.
 *  @example
 *  const ck = await openCheckpoint('examples/tinyllama-base')()
 *  if (E.isRight(ck)) { const w = await ck.right.readFloat32('model.layers.0.self_attn.q_proj.weight')(); await ck.right.close() }
 *  @since 0.1.0  @category read */
export function openCheckpoint(path: string): TE.TaskEither<SafetensorsError, Checkpoint> {
  return TE.tryCatch(async () => {
    const p = await plan(path)
    const sources: ByteSource[] = []
    try {
      const tensors: CheckpointTensor[] = []
      const byName = new Map<string, { info: CheckpointTensor; src: ByteSource }>()
      let metadata: Readonly<Record<string, string>> = {}
      for (const [i, file] of p.files.entries()) {
        const src = await fileSource(file).catch((e: unknown) => { throw toSafetensorsError(file)(e) })
        sources.push(src)
        const header = await readHeader(src, file)
        if (i === 0) metadata = header.metadata
        for (const t of header.tensors) {
          const owner = p.weightMap?.get(t.name)
          if (p.weightMap && owner !== file) {
            throw new SafetensorsError('shard-mismatch', file, t.name, owner === undefined
              ? `the shard holds a tensor the index does not list; re-save the checkpoint`
              : `the index puts it in ${basename(owner)}, but it is (also) in ${basename(file)}; re-save the checkpoint`)
          }
          const info: CheckpointTensor = { ...t, file }
          tensors.push(info)
          byName.set(t.name, { info, src })
        }
      }
      if (p.weightMap) {
        for (const [name, file] of p.weightMap) {
          if (!byName.has(name)) throw new SafetensorsError('shard-mismatch', file, name, `the index lists it in ${basename(file)}, but that shard does not hold it; the checkpoint is incomplete, re-download it`)
        }
      }
      const read = (name: string, o?: ReadTensorOptions) => TE.tryCatch(async () => {
        const e = byName.get(name)
        if (!e) throw new SafetensorsError('not-found', path, name, `no such tensor among ${byName.size}; list them with \`lr inspect ${path}\``)
        return readTensorFrom(e.src, e.info, e.info.file, o)
      }, toSafetensorsError(path, name))
      const checkpoint: Checkpoint = {
        path: resolve(path), files: p.files, tensors, metadata, indexMetadata: p.indexMetadata,
        totalBytes: tensors.reduce((s, t) => s + t.byteLength, 0),
        readTensor: read,
        readFloat32: (name) => TE.map(float32Of)(read(name)),
        close: async () => { await Promise.all(sources.map((s) => s.close?.())) },
      }
      return checkpoint
    } catch (e) {
      await Promise.all(sources.map((s) => s.close?.()))
      throw e
    }
  }, toSafetensorsError(path))
}
