import * as E from 'fp-ts/lib/Either.js'
import { readSafetensors, type NamedTensor } from '@lr/io-safetensors'
import { makeStream, type TensorStream } from './stream.js'

/** The tensors of a safetensors file held in memory (an `ArrayBuffer` or bytes; browser-safe), validated by
 *  `readSafetensors`; zero-copy views where aligned.
 *  @example const s = fromSafetensorsBytes(await file.arrayBuffer())
 *  @since 0.1.0  @category sources */
export const fromSafetensorsBytes = (bytes: ArrayBuffer | Uint8Array, file = '<bytes>'): TensorStream<NamedTensor> =>
  makeStream(async () => {
    const parsed = readSafetensors(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), { file })
    if (E.isLeft(parsed)) throw parsed.left
    return { items: parsed.right.tensors.map((t) => ({ name: t.name, load: async () => t })), close: async () => {} }
  })
