import { dequantize, quantizeIntK, type IntKQuantized } from '@lr/quant'
import { InvalidArgument } from '@lr/svd'
import type { NamedTensor } from '@lr/io-safetensors'

/** Tensors of an int-k layer in the `quant-int-v1` format: `<m>.weight_packed` U8 [out, in·bits/8] (lsb-first
 *  codes, row-major), `<m>.weight_scales` F32 [out, groups], `<m>.weight_zeros` U8 [out, groups]. */
export const intTensors = (module: string, q: IntKQuantized): NamedTensor[] => {
  const [out, inDim] = q.shape, groups = Math.ceil(inDim / q.groupSize)
  return [
    { name: `${module}.weight_packed`, dtype: 'U8', shape: [out, (inDim * q.bits) / 8], data: q.codes },
    { name: `${module}.weight_scales`, dtype: 'F32', shape: [out, groups], data: q.scales },
    { name: `${module}.weight_zeros`, dtype: 'U8', shape: [out, groups], data: q.zeros },
  ]
}
export const intSpecs = (module: string, out: number, inDim: number, bits: number, group: number): { name: string; dtype: NamedTensor['dtype']; shape: number[] }[] => {
  const groups = Math.ceil(inDim / group)
  return [
    { name: `${module}.weight_packed`, dtype: 'U8', shape: [out, (inDim * bits) / 8] },
    { name: `${module}.weight_scales`, dtype: 'F32', shape: [out, groups] },
    { name: `${module}.weight_zeros`, dtype: 'U8', shape: [out, groups] },
  ]
}
export const checkIntShape = (op: string, name: string, inDim: number, bits: number): void => {
  if ((inDim * bits) % 8 !== 0) throw new InvalidArgument(op, name, `in_features ${inDim} × ${bits} bits is not a whole number of bytes per row; use --dense`)
}
export const quantizeInt = (module: string, w: Parameters<typeof quantizeIntK>[0], bits: number, groupSize: number, isSymmetric: boolean): { tensors: NamedTensor[]; effective: Float32Array } => {
  const q = quantizeIntK(w, { bits, groupSize, isSymmetric })
  return { tensors: intTensors(module, q), effective: dequantize(q).data }
}
