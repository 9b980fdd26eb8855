import type { Dtype } from '../dtype.js'
import { DTYPE_BYTES } from '../dtype.js'
import type { TensorData } from '../types.js'

/** Little-endian host? Safetensors data is little-endian; every platform Node and browsers run on is too. */
export const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Product of a shape (1 for a scalar). */
export const numel = (shape: readonly number[]): number => {
  let n = 1
  for (let i = 0; i < shape.length; i++) n *= shape[i]!
  return n
}

/** Typed-array view of `bytes` as `dtype`: zero-copy when `bytes.byteOffset` is aligned to the element size, else a copy.
 *  Assumes bytes.length is a multiple of the element size (validated by the caller). */
export const viewAs = (dtype: Dtype, bytes: Uint8Array): TensorData => {
  const size = DTYPE_BYTES[dtype]
  const src = bytes.byteOffset % size === 0 ? bytes : bytes.slice()
  const buf = src.buffer as ArrayBuffer
  const off = src.byteOffset
  const n = src.byteLength / size
  switch (dtype) {
    case 'F64': return new Float64Array(buf, off, n)
    case 'F32': return new Float32Array(buf, off, n)
    case 'F16': case 'BF16': case 'U16': return new Uint16Array(buf, off, n)
    case 'I16': return new Int16Array(buf, off, n)
    case 'I32': return new Int32Array(buf, off, n)
    case 'U32': return new Uint32Array(buf, off, n)
    case 'I64': return new BigInt64Array(buf, off, n)
    case 'U64': return new BigUint64Array(buf, off, n)
    case 'I8': return new Int8Array(buf, off, n)
    case 'F8_E4M3': case 'F8_E5M2': case 'U8': case 'BOOL': return new Uint8Array(buf, off, n)
  }
}

/** The typed-array constructor a dtype's data must be. */
export const expectedArrayName = (dtype: Dtype): string => {
  switch (dtype) {
    case 'F64': return 'Float64Array'
    case 'F32': return 'Float32Array'
    case 'F16': case 'BF16': case 'U16': return 'Uint16Array'
    case 'I16': return 'Int16Array'
    case 'I32': return 'Int32Array'
    case 'U32': return 'Uint32Array'
    case 'I64': return 'BigInt64Array'
    case 'U64': return 'BigUint64Array'
    case 'I8': return 'Int8Array'
    case 'F8_E4M3': case 'F8_E5M2': case 'U8': case 'BOOL': return 'Uint8Array'
  }
}

/** The raw little-endian bytes of a tensor's data (a view, no copy). */
export const bytesOf = (data: TensorData): Uint8Array => new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength)

/** Is `data` the typed array `dtype` requires (subclasses such as Buffer count)? */
export const hasArrayType = (dtype: Dtype, data: unknown): boolean => {
  switch (dtype) {
    case 'F64': return data instanceof Float64Array
    case 'F32': return data instanceof Float32Array
    case 'F16': case 'BF16': case 'U16': return data instanceof Uint16Array
    case 'I16': return data instanceof Int16Array
    case 'I32': return data instanceof Int32Array
    case 'U32': return data instanceof Uint32Array
    case 'I64': return data instanceof BigInt64Array
    case 'U64': return data instanceof BigUint64Array
    case 'I8': return data instanceof Int8Array
    case 'F8_E4M3': case 'F8_E5M2': case 'U8': case 'BOOL': return data instanceof Uint8Array
  }
}
