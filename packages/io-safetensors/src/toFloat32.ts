import { decodeBf16, decodeF16, decodeF8E4M3, decodeF8E5M2 } from './float.js'
import type { NamedTensor } from './types.js'

/** Decodes any tensor to a fresh Float32Array [numel] (row-major, same order as `t.data`).
 *  Exact for F32, F16, BF16, F8_E4M3, F8_E5M2, BOOL (0/1) and integers with |v| ≤ 2²⁴; F64 and larger integers round
 *  to nearest even, like `torch.Tensor.float()`.
 *  @example toFloat32({ name: 'w', dtype: 'BF16', shape: [2], data: new Uint16Array([0x3f80, 0xc000]) }) // [1, -2]
 *  @since 0.1.0  @category codecs */
export function toFloat32(t: NamedTensor): Float32Array {
  const d = t.data
  switch (t.dtype) {
    case 'BF16': return decodeBf16(d as Uint16Array)
    case 'F16': return decodeF16(d as Uint16Array)
    case 'F8_E4M3': return decodeF8E4M3(d as Uint8Array)
    case 'F8_E5M2': return decodeF8E5M2(d as Uint8Array)
    case 'F32': return (d as Float32Array).slice()
    case 'I64': case 'U64': {
      const b = d as BigInt64Array | BigUint64Array
      const out = new Float32Array(b.length)
      for (let i = 0; i < b.length; i++) out[i] = Number(b[i]!)
      return out
    }
    default: return Float32Array.from(d as Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array)
  }
}
