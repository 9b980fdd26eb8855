import * as E from 'fp-ts/lib/Either.js'
import type { SafetensorsError } from './errors.js'
import { catchSafetensors, parseHeaderBytes, readHeaderLength } from './internal/header.js'
import { viewAs } from './internal/tensorData.js'
import type { NamedTensor } from './types.js'

/** Parses a whole safetensors file held in memory (pure, synchronous; runs in the browser). Tensors are zero-copy views
 *  into `bytes` when aligned (the reference writer aligns them), else copies; they are in file order.
 *  @example const r = readSafetensors(new Uint8Array(await blob.arrayBuffer())); if (E.isRight(r)) r.right.tensors[0].data
 *  @since 0.1.0  @category read */
export function readSafetensors(bytes: Uint8Array, opts: { readonly file?: string } = {}): E.Either<SafetensorsError, { tensors: NamedTensor[]; metadata: Record<string, string> }> {
  const file = opts.file ?? '<bytes>'
  const r = catchSafetensors(() => {
    const n = readHeaderLength(bytes.subarray(0, 8), bytes.length, file)
    const h = parseHeaderBytes(bytes.subarray(8, 8 + n), bytes.length, file)
    return {
      metadata: { ...h.metadata },
      tensors: h.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape, data: viewAs(t.dtype, bytes.subarray(t.byteOffset, t.byteOffset + t.byteLength)) })),
    }
  })
  return r.ok ? E.right(r.value) : E.left(r.error)
}
