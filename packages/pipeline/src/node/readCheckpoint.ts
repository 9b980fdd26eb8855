import { openCheckpoint } from '@lr/io-safetensors/node'
import type { NamedTensor } from '@lr/io-safetensors'
import { fromSafetensorsBytes } from '../stream/fromSafetensorsBytes.js'
import { makeStream, type TensorStream } from '../stream/stream.js'

/** The tensors of a checkpoint as a stream: a .safetensors file, a directory with model.safetensors, a sharded
 *  directory (model.safetensors.index.json), or the bytes of a file (`ArrayBuffer` / `Uint8Array`). Headers are
 *  validated when a sink opens it; each tensor is read when the sink reaches it; files are closed by the sink.
 *  @example await pipe(readCheckpoint('examples/tinyllama-tuned'), select('**.q_proj.weight'), collect())()
 *  @since 0.1.0  @category sources */
export const readCheckpoint = (source: string | ArrayBuffer | Uint8Array): TensorStream<NamedTensor> => {
  if (typeof source !== 'string') return fromSafetensorsBytes(source)
  return makeStream(async () => {
    const ck = await openCheckpoint(source)()
    if (ck._tag === 'Left') throw ck.left
    const c = ck.right
    return {
      close: () => c.close(),
      items: c.tensors.map((t) => ({
        name: t.name,
        load: async () => {
          const r = await c.readTensor(t.name)()
          if (r._tag === 'Left') throw r.left
          return r.right
        },
      })),
    }
  })
}
