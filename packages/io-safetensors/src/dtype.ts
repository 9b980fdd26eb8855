/** The 15 safetensors dtypes.  @example const d: Dtype = 'BF16'  @since 0.1.0  @category dtypes */
export type Dtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'F8_E4M3' | 'F8_E5M2' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL'

/** Bytes per element of each dtype.  @example DTYPE_BYTES.BF16 // 2  @since 0.1.0  @category dtypes */
export const DTYPE_BYTES: Readonly<Record<Dtype, number>> = Object.freeze({
  F64: 8, F32: 4, F16: 2, BF16: 2, F8_E4M3: 1, F8_E5M2: 1, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1,
})

/** Every dtype, in the order the reference writer lays tensors out (descending alignment, as Rust's `Dtype` `Ord`, reversed).
 *  @example DTYPES.filter(isFloatDtype) // ['F64', 'F32', 'BF16', 'F16', 'F8_E4M3', 'F8_E5M2']
 *  @since 0.1.0  @category dtypes */
export const DTYPES: readonly Dtype[] = Object.freeze(['U64', 'I64', 'F64', 'F32', 'U32', 'I32', 'BF16', 'F16', 'U16', 'I16', 'F8_E4M3', 'F8_E5M2', 'I8', 'U8', 'BOOL'] as Dtype[])

/** Is `s` one of the 15 dtypes?  @example isDtype('BF16') // true  @since 0.1.0  @category dtypes */
export const isDtype = (s: unknown): s is Dtype => typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s)

/** Floating-point dtypes (the ones `lr convert --dtype` casts).  @example isFloatDtype('I8') // false  @since 0.1.0  @category dtypes */
export const isFloatDtype = (d: Dtype): boolean => d === 'F64' || d === 'F32' || d === 'F16' || d === 'BF16' || d === 'F8_E4M3' || d === 'F8_E5M2'
