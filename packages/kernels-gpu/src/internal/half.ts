// IEEE 754 binary16 <-> binary32 conversion, round to nearest even (used to upload f16 storage).
const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** Bits of the f16 nearest to x (ties to even); overflow gives ±Inf, NaN stays NaN. */
export const toHalfBits = (x: number): number => {
  f32[0] = x
  const b = u32[0]!
  const sign = (b >>> 16) & 0x8000
  const exp = (b >>> 23) & 0xff
  let mant = b & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0)
  const e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    const half = 1 << (shift - 1)
    let r = mant >>> shift
    const rem = mant & ((1 << shift) - 1)
    if (rem > half || (rem === half && (r & 1) === 1)) r++
    return sign | r
  }
  let r = (e << 10) | (mant >>> 13)
  const rem = mant & 0x1fff
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++
  return sign | r
}

/** The f32 value of f16 bits h. */
export const fromHalfBits = (h: number): number => {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >>> 10) & 0x1f
  const m = h & 0x3ff
  if (e === 0) return s * m * 2 ** -24
  if (e === 0x1f) return m ? NaN : s * Infinity
  return s * (1 + m / 1024) * 2 ** (e - 15)
}
