// Exact decoders of the narrow float formats to float32 and round-to-nearest-even encoders back.
// All work on raw bits (Uint16Array / Uint8Array) as stored in safetensors.

const outU32 = (n: number, out: Float32Array | undefined): { f: Float32Array; u: Uint32Array } => {
  const f = out ?? new Float32Array(n)
  if (f.length !== n) throw new RangeError(`out has length ${f.length}, expected ${n}`)
  return { f, u: new Uint32Array(f.buffer, f.byteOffset, n) }
}

/** BF16 bits → float32, exact (bits << 16; NaN payloads and −0 kept). Writes into `out` when given and returns it.
 *  @example decodeBf16(new Uint16Array([0x3fc0])) // Float32Array [1.5]
 *  @since 0.1.0  @category codecs */
export function decodeBf16(bits: Uint16Array, out?: Float32Array): Float32Array {
  const n = bits.length
  const { f, u } = outU32(n, out)
  if (bits.byteOffset % 4 === 0) decodeBf16Pairs(new Uint32Array(bits.buffer, bits.byteOffset, n >>> 1), u)
  else for (let i = 0; i < n; i++) u[i] = bits[i]! << 16
  if (n % 2 === 1) u[n - 1] = bits[n - 1]! << 16
  return f
}

/** Two BF16 values per 32-bit load (little-endian: the low half is the first value). */
const decodeBf16Pairs = (src: Uint32Array, u: Uint32Array): void => {
  const m = src.length
  for (let i = 0, j = 0; i < m; i++, j += 2) {
    const w = src[i]!
    u[j] = w << 16
    u[j + 1] = w & 0xffff0000
  }
}

/** float32 → BF16 bits, round to nearest, ties to even; ±Inf stays ±Inf, NaN stays a (quiet) NaN of the same sign,
 *  finite values above the BF16 range round to ±Inf as in torch.
 *  @example encodeBf16(new Float32Array([1.00390625])) // Uint16Array [0x3f80] (tie → even)
 *  @since 0.1.0  @category codecs */
export function encodeBf16(x: Float32Array, out?: Uint16Array): Uint16Array {
  const n = x.length
  const o = out ?? new Uint16Array(n)
  if (o.length !== n) throw new RangeError(`out has length ${o.length}, expected ${n}`)
  const u = new Uint32Array(x.buffer, x.byteOffset, n)
  for (let i = 0; i < n; i++) {
    const b = u[i]!
    if ((b & 0x7fffffff) > 0x7f800000) o[i] = (b >>> 16) | 0x40
    else o[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16
  }
  return o
}

/** One IEEE binary16 value's bits → float32 bits (exact). */
const halfToFloatBits = (h: number): number => {
  const s = (h & 0x8000) << 16
  let e = (h >>> 10) & 0x1f
  let m = h & 0x3ff
  if (e === 31) return (s | 0x7f800000 | (m << 13)) >>> 0
  if (e === 0) {
    if (m === 0) return s >>> 0
    e = 1
    while ((m & 0x400) === 0) { m <<= 1; e-- }
    m &= 0x3ff
  }
  return (s | ((e + 112) << 23) | (m << 13)) >>> 0
}

/** F16 (IEEE binary16) bits → float32, exact, including subnormals, ±Inf, NaN, −0.
 *  @example decodeF16(new Uint16Array([0x3c00, 0x7bff])) // Float32Array [1, 65504]
 *  @since 0.1.0  @category codecs */
export function decodeF16(bits: Uint16Array, out?: Float32Array): Float32Array {
  const n = bits.length
  const { f, u } = outU32(n, out)
  for (let i = 0; i < n; i++) u[i] = halfToFloatBits(bits[i]!)
  return f
}

/** float32 → F16 bits, round to nearest, ties to even (subnormals too); |x| ≥ 65520 → ±Inf; NaN → quiet NaN of the same sign.
 *  @example encodeF16(new Float32Array([1, 65504, 1e-8])) // Uint16Array [0x3c00, 0x7bff, 0]
 *  @since 0.1.0  @category codecs */
export function encodeF16(x: Float32Array, out?: Uint16Array): Uint16Array {
  const n = x.length
  const o = out ?? new Uint16Array(n)
  if (o.length !== n) throw new RangeError(`out has length ${o.length}, expected ${n}`)
  const u = new Uint32Array(x.buffer, x.byteOffset, n)
  for (let i = 0; i < n; i++) {
    const b = u[i]!
    const s = (b >>> 16) & 0x8000
    const a = b & 0x7fffffff
    let h: number
    if (a >= 0x7f800000) h = a > 0x7f800000 ? 0x7e00 | ((a >>> 13) & 0x3ff) : 0x7c00
    else if (a >= 0x477ff000) h = 0x7c00
    else if (a >= 0x38800000) {
      h = (a - 0x38000000) >>> 13
      const rem = a & 0x1fff
      if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++
    } else if (a > 0x33000000) {
      const e = a >>> 23
      const m = (a & 0x7fffff) | 0x800000
      const shift = 126 - e
      h = m >>> shift
      const rem = m & ((1 << shift) - 1)
      const half = 1 << (shift - 1)
      if (rem > half || (rem === half && (h & 1) === 1)) h++
    } else h = 0
    o[i] = s | h
  }
  return o
}

/** F8_E4M3 (torch.float8_e4m3fn: bias 7, no Inf, NaN = S.1111.111, max 448) bits → float32, exact.
 *  @example decodeF8E4M3(new Uint8Array([0x38, 0x7e])) // Float32Array [1, 448]
 *  @since 0.1.0  @category codecs */
export function decodeF8E4M3(bits: Uint8Array, out?: Float32Array): Float32Array {
  const n = bits.length
  const { f } = outU32(n, out)
  const table = new Float32Array(256)
  for (let b = 0; b < 256; b++) {
    const e = (b >>> 3) & 0xf
    const m = b & 7
    const v = e === 15 && m === 7 ? NaN : e === 0 ? m * 2 ** -9 : (1 + m / 8) * 2 ** (e - 7)
    table[b] = b & 0x80 ? -v : v
  }
  for (let i = 0; i < n; i++) f[i] = table[bits[i]!]!
  return f
}

/** F8_E5M2 (torch.float8_e5m2: the top byte of an IEEE binary16, with Inf and NaN) bits → float32, exact.
 *  @example decodeF8E5M2(new Uint8Array([0x3c, 0x7c])) // Float32Array [1, Infinity]
 *  @since 0.1.0  @category codecs */
export function decodeF8E5M2(bits: Uint8Array, out?: Float32Array): Float32Array {
  const n = bits.length
  const { f, u } = outU32(n, out)
  for (let i = 0; i < n; i++) u[i] = halfToFloatBits(bits[i]! << 8)
  return f
}
