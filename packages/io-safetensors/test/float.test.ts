import { readFileSync } from 'node:fs'
import t from 'tap'
import fc from 'fast-check'
import { decodeBf16, decodeF16, decodeF8E4M3, decodeF8E5M2, encodeBf16, encodeF16 } from '../src/index.js'

const ref = JSON.parse(readFileSync(new URL('./ref/float_rne.json', import.meta.url), 'utf8')) as { f32: number[]; f16: number[]; bf16: (number | null)[] }
const f32bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!
const fromBits = (b: number) => new Float32Array(new Uint32Array([b]).buffer)[0]!
const all16 = Uint16Array.from({ length: 65536 }, (_, i) => i)

/** Independent IEEE binary16 value in float64 from sign/exponent/mantissa (no bit tricks). */
const halfValue = (h: number): number => {
  const s = h & 0x8000 ? -1 : 1
  const e = (h >> 10) & 31
  const m = h & 1023
  if (e === 31) return m ? NaN : s * Infinity
  return e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15)
}

t.test('decodeF16 is exact on all 65,536 patterns', async (t) => {
  const got = decodeF16(all16)
  let bad = 0
  for (let h = 0; h < 65536; h++) if (!Object.is(got[h], halfValue(h))) bad++
  t.equal(bad, 0)
})

t.test('decodeBf16 is exact on all 65,536 patterns (bits << 16, NaN payloads kept)', async (t) => {
  const got = new Uint32Array(decodeBf16(all16).buffer)
  let bad = 0
  for (let h = 0; h < 65536; h++) if (got[h] !== h * 65536) bad++
  t.equal(bad, 0)
})

t.test('encode ∘ decode is the identity on every non-NaN pattern; NaN stays NaN with its sign', async (t) => {
  for (const [name, enc, dec] of [['f16', encodeF16, decodeF16], ['bf16', encodeBf16, decodeBf16]] as const) {
    const back = enc(dec(all16))
    let bad = 0
    for (let h = 0; h < 65536; h++) {
      const isNan = name === 'f16' ? (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 : (h & 0x7f80) === 0x7f80 && (h & 0x7f) !== 0
      if (isNan ? !Number.isNaN(dec(new Uint16Array([back[h]!]))[0]) || (back[h]! & 0x8000) !== (h & 0x8000) : back[h] !== h) bad++
    }
    t.equal(bad, 0, name)
  }
})

t.test('encodeF16 / encodeBf16 equal the reference rounding on 4,031 float32 values (numpy; exact rational RNE)', async (t) => {
  const x = new Float32Array(new Uint32Array(ref.f32).buffer)
  const f16 = encodeF16(x)
  const bf16 = encodeBf16(x)
  let bad16 = 0
  let badBf = 0
  for (let i = 0; i < x.length; i++) {
    const nan = Number.isNaN(x[i])
    if (nan ? (f16[i]! & 0x7fff) <= 0x7c00 || (f16[i]! & 0x8000) !== (ref.f16[i]! & 0x8000) : f16[i] !== ref.f16[i]) bad16++
    if (nan ? (bf16[i]! & 0x7fff) <= 0x7f80 : bf16[i] !== ref.bf16[i]) badBf++
  }
  t.equal(bad16, 0, 'f16 = numpy astype(float16)')
  t.equal(badBf, 0, 'bf16 = exact round-to-nearest-even')
})

/** The value of the next pattern toward +∞ magnitude and toward 0, to check "nearest, ties to even" directly. */
const isNearestEven = (x: number, h: number, dec: (b: Uint16Array) => Float32Array, maxFinite: number): boolean => {
  const v = dec(new Uint16Array([h]))[0]!
  if (!Number.isFinite(v)) return Math.abs(x) >= maxFinite // overflowed only beyond the largest finite
  const mag = h & 0x7fff
  const neighbours = [mag - 1, mag + 1].filter((m) => m >= 0).map((m) => dec(new Uint16Array([(h & 0x8000) | m]))[0]!)
  const d = Math.abs(x - v)
  return neighbours.every((n) => !Number.isFinite(n) || d < Math.abs(x - n) || (d === Math.abs(x - n) && (h & 1) === 0))
}

t.test('encoders round to nearest, ties to even (property over all float32)', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 0xffffffff }), (b) => {
    const x = fromBits(b)
    if (Number.isNaN(x)) return Number.isNaN(decodeF16(encodeF16(new Float32Array([x])))[0]) && Number.isNaN(decodeBf16(encodeBf16(new Float32Array([x])))[0])
    const h = encodeF16(new Float32Array([x]))[0]!
    const g = encodeBf16(new Float32Array([x]))[0]!
    return isNearestEven(x, h, decodeF16, 65520) && isNearestEven(x, g, decodeBf16, fromBits(0x7f7f8000))
  }), { seed: 42, numRuns: 20000 })
  t.equal(encodeBf16(new Float32Array([Infinity, -Infinity]))[1], 0xff80)
  t.equal(f32bits(decodeBf16(encodeBf16(new Float32Array([-0])))[0]!), 0x80000000, '−0 kept')
})

t.test('F8 decoders: every pattern against the format definitions', async (t) => {
  const all8 = Uint8Array.from({ length: 256 }, (_, i) => i)
  const e4 = decodeF8E4M3(all8)
  const e5 = decodeF8E5M2(all8)
  let bad = 0
  for (let b = 0; b < 256; b++) {
    const s = b & 0x80 ? -1 : 1
    const e = (b >> 3) & 15
    const m = b & 7
    const v4 = e === 15 && m === 7 ? NaN : s * (e === 0 ? (m / 8) * 2 ** -6 : (1 + m / 8) * 2 ** (e - 7))
    if (!Object.is(e4[b], v4)) bad++
    const e5e = (b >> 2) & 31
    const m5 = b & 3
    const v5 = e5e === 31 ? (m5 ? NaN : s * Infinity) : s * (e5e === 0 ? (m5 / 4) * 2 ** -14 : (1 + m5 / 4) * 2 ** (e5e - 15))
    if (!Object.is(e5[b], v5)) bad++
  }
  t.equal(bad, 0)
  t.equal(e4[0x7e], 448, 'E4M3 max')
  t.equal(e5[0x7b], 57344, 'E5M2 max')
})
