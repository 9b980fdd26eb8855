import { fromFloat32, isFloatDtype, toFloat32, type NamedTensor } from '@lr/io-safetensors'

/** A stage for `mapTensor`: casts a floating tensor to F32, F16 or BF16 (round to nearest even; exact when
 *  widening); integer tensors and tensors already of that dtype pass through unchanged.
 *  @example pipe(readCheckpoint('model'), mapTensor(castTensor('BF16')), writeCheckpoint('model-bf16'))
 *  @since 0.1.0  @category stages */
export const castTensor = (dtype: 'F32' | 'F16' | 'BF16') => function cast(t: NamedTensor): NamedTensor {
  return !isFloatDtype(t.dtype) || t.dtype === dtype ? t : fromFloat32(t.name, t.shape, toFloat32(t), dtype)
}
