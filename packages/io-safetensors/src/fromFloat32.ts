import { encodeBf16, encodeF16 } from './float.js'
import { numel } from './internal/tensorData.js'
import type { NamedTensor } from './types.js'

/** Builds a tensor of `dtype` from float32 values, rounding to nearest even for F16/BF16 (NaN and ±Inf preserved).
 *  `data` is copied for F32 (the tensor never aliases the caller's array). data.length must equal product(shape).
 *  @example fromFloat32('w', [2], new Float32Array([1, 3.14159]), 'BF16').data // Uint16Array [0x3f80, 0x4049]
 *  @since 0.1.0  @category codecs */
export function fromFloat32(name: string, shape: readonly number[], data: Float32Array, dtype: 'F32' | 'F16' | 'BF16'): NamedTensor {
  if (numel(shape) !== data.length) throw new RangeError(`fromFloat32: tensor "${name}": shape [${shape.join(', ')}] holds ${numel(shape)} values, data has ${data.length}`)
  const out = dtype === 'F32' ? data.slice() : dtype === 'BF16' ? encodeBf16(data) : encodeF16(data)
  return { name, dtype, shape: [...shape], data: out }
}
