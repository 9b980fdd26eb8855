import { open, rename, rm, type FileHandle } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import type { SafetensorsError } from '../errors.js'
import { toSafetensorsError } from '../internal/toSafetensorsError.js'
import { planFile, type TensorSpec } from '../internal/layout.js'
import type { NamedTensor } from '../types.js'
import { closeQuietly, fill, spool, syncDir, tmpName, type Spool, type TensorStream } from './writer.js'

export type { TensorSpec } from '../internal/layout.js'

/** Options of `writeSafetensors`. */
export interface WriteSafetensorsOptions {
  /** `__metadata__` (string → string). @default none */
  readonly metadata?: Readonly<Record<string, string>>
  /** The tensors' names, dtypes and shapes, known before their data: the header is written first and each tensor
   *  streamed to its place as it arrives (any order). Without specs, an array input gives them; any other stream is
   *  spooled to a scratch file beside the output first (bounded memory, twice the disk traffic). @default from the input */
  readonly specs?: readonly TensorSpec[]
}

/** What a write produced.  @since 0.1.0  @category write */
export interface WriteResult { readonly path: string; readonly files: readonly string[]; readonly totalBytes: number }

/** Writes a safetensors file, streaming: header first (laid out like the reference writer: descending dtype alignment
 *  then name, padded with spaces to 8 bytes), then one tensor at a time with positional writes. The file is written as
 *  `<path>.tmp-<pid>-<random>`, fsynced, and renamed over `path`, so a crash or a failure never leaves a partial file
 *  under the final name (the temporary file is removed on failure).
 *  @example await writeSafetensors('out.safetensors', [fromFloat32('w', [2, 2], new Float32Array([1, 2, 3, 4]), 'BF16')], { metadata: { format: 'pt' } })()
 *  @since 0.1.0  @category write */
export function writeSafetensors(path: string, tensors: TensorStream, opts: WriteSafetensorsOptions = {}): TE.TaskEither<SafetensorsError, WriteResult> {
  return TE.tryCatch(async () => {
    const tmp = tmpName(path)
    let fh: FileHandle | undefined
    let spooled: Spool | undefined
    try {
      let specs: readonly TensorSpec[] | undefined = opts.specs ?? (Array.isArray(tensors) ? (tensors as readonly NamedTensor[]) : undefined)
      let source: TensorStream = tensors
      if (specs === undefined) {
        spooled = await spool(tensors, `${tmp}.spool`, path)
        specs = spooled.specs
        source = spooled.replay()
      }
      const layout = planFile(specs, opts.metadata, path)
      fh = await open(tmp, 'wx')
      await fill([{ fh, layout, file: path }], source)
      await fh.sync()
      await fh.close()
      fh = undefined
      await rename(tmp, path)
      await syncDir(dirname(resolve(path)))
      return { path, files: [path], totalBytes: layout.tensors.reduce((s, p) => s + p.byteLength, 0) }
    } catch (e) {
      await closeQuietly(fh)
      await rm(tmp, { force: true })
      throw e
    } finally {
      await spooled?.cleanup()
    }
  }, toSafetensorsError(path))
}
