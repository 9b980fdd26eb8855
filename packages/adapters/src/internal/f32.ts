import type { Mat } from '@lr/svd'

/** A contiguous row-major Float32Array copy of any view (f32 or f64). */
export const contiguousF32 = (m: Mat): Float32Array => {
  const [r, c] = m.shape
  const out = new Float32Array(r * c)
  const d = m.data, s0 = m.stride[0], s1 = m.stride[1]
  for (let i = 0; i < r; i++) {
    const base = m.offset + i * s0, o = i * c
    for (let j = 0; j < c; j++) out[o + j] = d[base + j * s1]!
  }
  return out
}

/** Escapes a module name for use as an exact PEFT rank/alpha pattern key. */
export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
