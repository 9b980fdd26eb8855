import * as TE from 'fp-ts/lib/TaskEither.js'
import type { ByteSource } from './byteSource.js'
import { SafetensorsError } from './errors.js'
import { toSafetensorsError } from './internal/toSafetensorsError.js'
import { parseHeaderBytes, readHeaderLength } from './internal/header.js'
import { viewAs } from './internal/tensorData.js'
import { toFloat32 } from './toFloat32.js'
import type { Header, NamedTensor, TensorInfo } from './types.js'

/** An opened safetensors file: the validated header, and tensors read one at a time on demand.
 *  @since 0.1.0  @category read */
export interface SafetensorsReader {
  readonly file: string
  readonly header: Header
  /** Sorted by byte offset. */
  readonly tensors: readonly TensorInfo[]
  readonly metadata: Readonly<Record<string, string>>
  /** Reads one tensor (one positional read of exactly its bytes; zero-copy typed view over a fresh buffer, or over
   *  `opts.into`). */
  readTensor(name: string, opts?: ReadTensorOptions): TE.TaskEither<SafetensorsError, NamedTensor>
  /** Reads one tensor and decodes it to float32 (see `toFloat32`). */
  readFloat32(name: string): TE.TaskEither<SafetensorsError, Float32Array>
  close(): Promise<void>
}

/** Reads exactly `length` bytes at `offset`, or fails with io-error (the file changed under us). */
export const readExactly = async (src: ByteSource, offset: number, length: number, file: string, tensor?: string): Promise<Uint8Array> => {
  const b = await src.read(offset, length)
  if (b.length !== length) throw new SafetensorsError('io-error', file, tensor, `read ${b.length} of ${length} bytes at offset ${offset}; the file was truncated while open`)
  return b
}

/** Reads and validates the header of a source: 8 bytes, then N checked against the cap and the size, then N bytes. */
export const readHeader = async (src: ByteSource, file: string): Promise<Header> => {
  const first8 = src.size >= 8 ? await readExactly(src, 0, 8, file) : new Uint8Array(0)
  const n = readHeaderLength(first8, src.size, file)
  return parseHeaderBytes(await readExactly(src, 8, n, file), src.size, file)
}

/** Options of `readTensor`. */
export interface ReadTensorOptions {
  /** Read into this buffer instead of a fresh one (its first byteLength bytes; must be at least that long). The tensor's
   *  data is then a view of `into`, valid until you reuse it: for loops that handle one tensor at a time. @default a fresh buffer */
  readonly into?: Uint8Array
}

/** Reads one tensor's bytes and wraps them as its typed array (Promise; throws SafetensorsError). */
export const readTensorFrom = async (src: ByteSource, info: TensorInfo, file: string, opts: ReadTensorOptions = {}): Promise<NamedTensor> => {
  let bytes: Uint8Array
  if (opts.into) {
    if (opts.into.length < info.byteLength) throw new SafetensorsError('invalid-tensor', file, info.name, `needs ${info.byteLength} bytes, \`into\` has ${opts.into.length}; pass a buffer as large as the largest tensor`)
    const target = opts.into.subarray(0, info.byteLength)
    if (src.readInto) {
      bytes = await src.readInto(info.byteOffset, target)
      if (bytes.length !== info.byteLength) throw new SafetensorsError('io-error', file, info.name, `read ${bytes.length} of ${info.byteLength} bytes at offset ${info.byteOffset}; the file was truncated while open`)
    } else {
      target.set(await readExactly(src, info.byteOffset, info.byteLength, file, info.name))
      bytes = target
    }
  } else bytes = await readExactly(src, info.byteOffset, info.byteLength, file, info.name)
  return { name: info.name, dtype: info.dtype, shape: info.shape, data: viewAs(info.dtype, bytes) }
}

/** Float32 of one tensor, without a second copy for F32. */
export const float32Of = (t: NamedTensor): Float32Array => (t.dtype === 'F32' ? (t.data as Float32Array) : toFloat32(t))

/** Opens a safetensors file from any ByteSource (bytes, Blob, file handle): reads and validates the header only.
 *  Memory stays bounded by the tensor you hold.
 *  @example
 *  const r = await openSafetensors(blobSource(file), { file: file.name })()
 *  if (E.isRight(r)) { const w = await r.right.readFloat32('model.embed_tokens.weight')() }
 *  @since 0.1.0  @category read */
export function openSafetensors(src: ByteSource, opts: { readonly file?: string } = {}): TE.TaskEither<SafetensorsError, SafetensorsReader> {
  const file = opts.file ?? '<bytes>'
  return TE.tryCatch(async () => {
    const header = await readHeader(src, file)
    const byName = new Map(header.tensors.map((t) => [t.name, t]))
    const info = (name: string): TensorInfo => {
      const t = byName.get(name)
      if (!t) throw new SafetensorsError('not-found', file, name, `no such tensor among ${byName.size}; list them with \`lr inspect ${file}\``)
      return t
    }
    const readTensor = (name: string, o?: ReadTensorOptions) => TE.tryCatch(() => readTensorFrom(src, info(name), file, o), toSafetensorsError(file, name))
    return {
      file, header, tensors: header.tensors, metadata: header.metadata,
      readTensor,
      readFloat32: (name: string) => TE.map(float32Of)(readTensor(name)),
      close: () => src.close?.() ?? Promise.resolve(),
    }
  }, toSafetensorsError(file))
}
