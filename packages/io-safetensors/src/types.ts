import type { Dtype } from './dtype.js'

/** One tensor's entry in a safetensors header. `byteOffset` is absolute in its file (8 + header length + begin).
 *  @since 0.1.0  @category model */
export interface TensorInfo {
  readonly name: string
  readonly dtype: Dtype
  readonly shape: readonly number[]
  readonly byteOffset: number
  readonly byteLength: number
}

/** The typed array of a tensor: Float64Array F64, Float32Array F32, Uint16Array F16/BF16 (raw bits), Uint8Array
 *  F8_E4M3/F8_E5M2/U8/BOOL, Int8Array I8, Int16Array I16, Uint16Array U16, Int32Array I32, Uint32Array U32,
 *  BigInt64Array I64, BigUint64Array U64.  @since 0.1.0  @category model */
export type TensorData =
  | Float64Array | Float32Array | Uint16Array | Uint8Array | Int8Array | Int16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array

/** A tensor in memory, row-major.  @since 0.1.0  @category model */
export interface NamedTensor {
  readonly name: string
  readonly dtype: Dtype
  readonly shape: readonly number[]
  readonly data: TensorData
}

/** A validated safetensors header.  @since 0.1.0  @category model */
export interface Header {
  /** Tensors sorted by byte offset. */
  readonly tensors: readonly TensorInfo[]
  readonly metadata: Readonly<Record<string, string>>
  /** N, the JSON header length in bytes (the data section starts at 8 + N). */
  readonly headerLength: number
  /** Size of the whole file in bytes. */
  readonly fileSize: number
}
