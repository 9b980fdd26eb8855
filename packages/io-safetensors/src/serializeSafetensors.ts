import * as E from 'fp-ts/lib/Either.js'
import type { SafetensorsError } from './errors.js'
import { catchSafetensors } from './internal/header.js'
import { checkTensorData, planFile } from './internal/layout.js'
import { bytesOf } from './internal/tensorData.js'
import type { NamedTensor } from './types.js'

/** Serializes tensors to the bytes of a safetensors file in memory (pure; runs in the browser), exactly as the reference
 *  writer does: tensors sorted by descending dtype alignment then name, header padded with spaces to 8 bytes.
 *  For files, use `writeSafetensors` from '@lr/io-safetensors/node' (streaming, crash-safe).
 *  @example const bytes = serializeSafetensors([fromFloat32('w', [2, 2], new Float32Array(4), 'BF16')], { metadata: { format: 'pt' } })
 *  @since 0.1.0  @category write */
export function serializeSafetensors(tensors: readonly NamedTensor[], opts: { readonly metadata?: Readonly<Record<string, string>>; readonly file?: string } = {}): E.Either<SafetensorsError, Uint8Array> {
  const file = opts.file ?? '<bytes>'
  const r = catchSafetensors(() => {
    const layout = planFile(tensors, opts.metadata, file)
    const byName = new Map(tensors.map((t) => [t.name, t]))
    for (const t of tensors) checkTensorData(t, file)
    const out = new Uint8Array(layout.fileSize)
    out.set(layout.prefix, 0)
    for (const p of layout.tensors) out.set(bytesOf(byName.get(p.spec.name)!.data), p.byteOffset)
    return out
  })
  return r.ok ? E.right(r.value) : E.left(r.error)
}
