import * as TE from 'fp-ts/lib/TaskEither.js'
import { openCheckpoint, type CheckpointTensor } from '@lr/io-safetensors/node'
import { toLrError, type LrError } from '../lrError.js'

/** What a checkpoint holds, from its headers only: the path, every tensor's name, dtype, shape and byte length,
 *  and the `__metadata__`. For checks before a pipeline runs (same tensors in base and tuned, shapes, ranks).
 *  @example const info = await readCheckpointInfo('examples/tinyllama-base')()
 *  @since 0.1.0  @category sources */
export const readCheckpointInfo = (path: string): TE.TaskEither<LrError, { readonly path: string; readonly tensors: readonly CheckpointTensor[]; readonly metadata: Readonly<Record<string, string>> }> =>
  TE.tryCatch(async () => {
    const ck = await openCheckpoint(path)()
    if (ck._tag === 'Left') throw ck.left
    try { return { path: ck.right.path, tensors: ck.right.tensors, metadata: ck.right.metadata } } finally { await ck.right.close() }
  }, toLrError)
