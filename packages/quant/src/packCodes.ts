import { InvalidArgument } from '@lr/svd'
import { assertIntIn } from './internal/validate.js'

/** Bit order inside the packed stream.
 *  `lsb-first`: code i occupies bits [i·k, i·k + k) of the little-endian bit stream (GPTQ/AutoGPTQ style).
 *  `msb-first`: the first code takes the highest bits of its byte (bitsandbytes 4-bit: element 2j is the high nibble). */
export type BitOrder = 'lsb-first' | 'msb-first'

/** Options of {@link packCodes}. */
export interface PackCodesOptions {
  /** bits per code, 1…8 */
  readonly bits: number
  /** @default 'lsb-first' */
  readonly order?: BitOrder
}

/** Options of {@link unpackCodes}. */
export interface UnpackCodesOptions extends PackCodesOptions {
  /** number of codes to read */
  readonly count: number
}

/**
 * Packs unsigned k-bit codes (each < 2^k) into ⌈n·k/8⌉ bytes; the padding bits of the last byte are 0.
 * codes: Uint8Array [n]. Inverse: {@link unpackCodes}.
 * @example const bytes = packCodes(Uint8Array.from([1, 15]), { bits: 4 }) // [0xf1]
 * @since 0.1.0  @category packing
 */
export function packCodes(codes: Uint8Array, opts: PackCodesOptions): Uint8Array {
  const k = opts.bits
  assertIntIn('packCodes', 'bits', k, 1, 8)
  const lim = 1 << k
  for (let i = 0; i < codes.length; i++) {
    if (codes[i]! >= lim) throw new InvalidArgument('packCodes', 'codes', `code ${codes[i]} at index ${i} does not fit in ${k} bits`)
  }
  return packCodesUnchecked(codes, k, opts.order ?? 'lsb-first')
}

/**
 * Reads `count` unsigned k-bit codes from a packed stream written by {@link packCodes}.
 * @example const codes = unpackCodes(Uint8Array.from([0xf1]), { bits: 4, count: 2 }) // [1, 15]
 * @since 0.1.0  @category packing
 */
export function unpackCodes(packed: Uint8Array, opts: UnpackCodesOptions): Uint8Array {
  const k = opts.bits
  assertIntIn('unpackCodes', 'bits', k, 1, 8)
  assertIntIn('unpackCodes', 'count', opts.count, 0, Number.MAX_SAFE_INTEGER)
  const need = Math.ceil((opts.count * k) / 8)
  if (packed.length < need) throw new InvalidArgument('unpackCodes', 'packed', `${opts.count} codes of ${k} bits need ${need} bytes, got ${packed.length}`)
  const out = new Uint8Array(opts.count)
  unpackCodesInto(packed, k, opts.order ?? 'lsb-first', 0, opts.count, out, 0)
  return out
}

/** @internal */
export const packCodesUnchecked = (codes: Uint8Array, k: number, order: BitOrder): Uint8Array => {
  const n = codes.length
  const out = new Uint8Array(Math.ceil((n * k) / 8))
  if (k === 8) { out.set(codes); return out }
  if (k === 4) {
    const hiFirst = order === 'msb-first'
    for (let i = 0; i + 1 < n; i += 2) {
      const a = codes[i]!, b = codes[i + 1]!
      out[i >> 1] = hiFirst ? (a << 4) | b : a | (b << 4)
    }
    if (n & 1) out[n >> 1] = hiFirst ? codes[n - 1]! << 4 : codes[n - 1]!
    return out
  }
  for (let i = 0; i < n; i++) {
    const c = codes[i]!
    for (let b = 0; b < k; b++) {
      const pos = i * k + b
      if (order === 'lsb-first') {
        if ((c >> b) & 1) out[pos >> 3]! |= 1 << (pos & 7)
      } else if ((c >> (k - 1 - b)) & 1) out[pos >> 3]! |= 0x80 >> (pos & 7)
    }
  }
  return out
}

/** Decodes codes [start, start + n) of a packed stream into out[o…]. @internal */
export const unpackCodesInto = (packed: Uint8Array, k: number, order: BitOrder, start: number, n: number, out: Uint8Array | Uint16Array | Int32Array, o: number): void => {
  if (k === 8) { for (let i = 0; i < n; i++) out[o + i] = packed[start + i]!; return }
  if (k === 4) {
    const hiFirst = order === 'msb-first'
    for (let i = 0; i < n; i++) {
      const idx = start + i, byte = packed[idx >> 1]!
      out[o + i] = (idx & 1) === (hiFirst ? 0 : 1) ? byte >> 4 : byte & 15
    }
    return
  }
  for (let i = 0; i < n; i++) {
    let c = 0
    const base = (start + i) * k
    for (let b = 0; b < k; b++) {
      const pos = base + b
      if (order === 'lsb-first') c |= ((packed[pos >> 3]! >> (pos & 7)) & 1) << b
      else c = (c << 1) | ((packed[pos >> 3]! >> (7 - (pos & 7))) & 1)
    }
    out[o + i] = c
  }
}
