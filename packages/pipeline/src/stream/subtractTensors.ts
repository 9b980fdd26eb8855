import { fromFloat32, toFloat32, type NamedTensor } from '@lr/io-safetensors'

/** A stage for `zipWith`: tuned − base in f32, named like the tuned tensor (shapes must agree).
 *  @example pipe(readCheckpoint(tuned), zipWith(readCheckpoint(base), subtractTensors))
 *  @since 0.1.0  @category stages */
export function subtractTensors(tuned: NamedTensor, base: NamedTensor): NamedTensor {
  if (tuned.shape.join() !== base.shape.join()) throw new RangeError(`shape [${tuned.shape.join(', ')}] vs [${base.shape.join(', ')}] in the base; the checkpoints are different architectures`)
  const d = toFloat32(tuned), b = toFloat32(base)
  const out = d === tuned.data ? Float32Array.from(d) : d
  for (let i = 0; i < out.length; i++) out[i] = out[i]! - b[i]!
  return fromFloat32(tuned.name, tuned.shape, out, 'F32')
}
