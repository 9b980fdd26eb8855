import * as E from 'fp-ts/lib/Either.js'
import type { SafetensorsError } from './errors.js'
import { catchSafetensors, parseHeaderBytes, readHeaderLength } from './internal/header.js'
import type { Header } from './types.js'

export { MAX_HEADER_BYTES } from './internal/header.js' // 100,000,000: the reference crate's cap on N

/** Options of `parseHeader`. */
export interface ParseHeaderOptions {
  /** Name used in error messages. @default '<bytes>' */
  readonly file?: string
  /** Size of the whole file when `bytes` holds only its first 8 + N bytes. @default bytes.length */
  readonly fileSize?: number
}

/** Parses and validates a safetensors header (pure; runs in the browser). `bytes` is the whole file or at least its first
 *  8 + N bytes (then pass `fileSize`). Checks, like the reference Rust crate: header length cap (100 MB) and bounds before
 *  any allocation, UTF-8, a JSON object, no duplicate names, string metadata, known dtypes, shapes, byte lengths, and
 *  offsets that tile the data section exactly (no gap, no overlap, nothing past the end, nothing left over).
 *  @example const h = parseHeader(bytes, { file: 'model.safetensors' }); if (E.isRight(h)) h.right.tensors.map((t) => t.name)
 *  @since 0.1.0  @category parse */
export function parseHeader(bytes: Uint8Array, opts: ParseHeaderOptions | string = {}): E.Either<SafetensorsError, Header> {
  const o = typeof opts === 'string' ? { file: opts } : opts
  const file = o.file ?? '<bytes>'
  const fileSize = o.fileSize ?? bytes.length
  const r = catchSafetensors(() => {
    const n = readHeaderLength(bytes.subarray(0, 8), fileSize, file)
    if (bytes.length < 8 + n) throw new RangeError(`parseHeader: bytes hold ${bytes.length} bytes, the header needs ${8 + n}; pass at least the first 8 + N bytes`)
    return parseHeaderBytes(bytes.subarray(8, 8 + n), fileSize, file)
  })
  return r.ok ? E.right(r.value) : E.left(r.error)
}
