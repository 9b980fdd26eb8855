import { ShapeMismatch } from '@lr/svd'

/** Bytes per packed row of `m` complex codes: 4 codes per byte, rows padded to a whole byte with code 0.
 *  @example packedRowBytes(2048) // 512
 *  @since 0.1.0  @category packing */
export const packedRowBytes = (m: number): number => (m + 3) >>> 2

/**
 * Packs one code per entry (`[n, m]` row-major, values 0…3) into 2 bits per code, 4 codes per byte:
 * code (j, k) is in byte j·⌈m/4⌉ + ⌊k/4⌋ at bits 2·(k mod 4) … 2·(k mod 4)+1 (little end first); padding codes are 0.
 * @throws ShapeMismatch when codes.length ≠ n·m.
 * @example packCodes(new Uint8Array([0, 1, 2, 3]), 1, 4) // Uint8Array [0b11_10_01_00]
 * @since 0.1.0  @category packing
 */
export function packCodes(codes: Uint8Array, n: number, m: number): Uint8Array {
  if (codes.length !== n * m) throw new ShapeMismatch('packCodes', 'codes.length = n·m', [codes.length], [n, m])
  const rb = packedRowBytes(m)
  const out = new Uint8Array(n * rb)
  for (let j = 0; j < n; j++) {
    const src = j * m, dst = j * rb
    for (let k = 0; k < m; k++) out[dst + (k >>> 2)] |= (codes[src + k]! & 3) << ((k & 3) << 1)
  }
  return out
}

/**
 * The inverse of {@link packCodes}: one code (0…3) per entry, `[n, m]` row-major.
 * @throws ShapeMismatch when packed.length ≠ n·⌈m/4⌉.
 * @example unpackCodes(new Uint8Array([0b11_10_01_00]), 1, 4) // Uint8Array [0, 1, 2, 3]
 * @since 0.1.0  @category packing
 */
export function unpackCodes(packed: Uint8Array, n: number, m: number): Uint8Array {
  const rb = packedRowBytes(m)
  if (packed.length !== n * rb) throw new ShapeMismatch('unpackCodes', 'packed.length = n·⌈m/4⌉', [packed.length], [n, rb])
  const out = new Uint8Array(n * m)
  for (let j = 0; j < n; j++) {
    const src = j * rb, dst = j * m
    for (let k = 0; k < m; k++) out[dst + k] = (packed[src + (k >>> 2)]! >>> ((k & 3) << 1)) & 3
  }
  return out
}
