import type { NamedTensor } from '@lr/io-safetensors'

/** The first NaN/±Inf of a float tensor (F64, F32, F16, BF16 checked on their bits), or undefined. */
export const firstNonFinite = (t: NamedTensor): { index: number; value: number } | undefined => {
  const d = t.data
  if (t.dtype === 'F32' || t.dtype === 'F64') {
    const f = d as Float32Array | Float64Array
    for (let i = 0; i < f.length; i++) if (!Number.isFinite(f[i]!)) return { index: i, value: f[i]! }
  } else if (t.dtype === 'BF16' || t.dtype === 'F16') {
    const u = d as Uint16Array, mask = t.dtype === 'BF16' ? 0x7f80 : 0x7c00
    for (let i = 0; i < u.length; i++) if ((u[i]! & mask) === mask) {
      const frac = t.dtype === 'BF16' ? u[i]! & 0x7f : u[i]! & 0x3ff
      return { index: i, value: frac !== 0 ? NaN : (u[i]! & 0x8000 ? -Infinity : Infinity) }
    }
  }
  return undefined
}
