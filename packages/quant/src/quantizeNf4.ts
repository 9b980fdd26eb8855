import type { Mat } from '@lr/svd'
import { assertFinite, assertIntIn, assertMat } from './internal/validate.js'
import { NF4_CODEBOOK } from './nf4Codebook.js'
import type { Nf4Quantized } from './quantized.js'

/** Options of {@link quantizeNf4}. */
export interface QuantizeNf4Options {
  /** elements per absmax block of the flattened tensor (bitsandbytes: 64) @default 64 */
  readonly blockSize?: number
  /** reject NaN/±Inf @default true */
  readonly checkFinite?: boolean
}

const MID = Float64Array.from({ length: 15 }, (_, i) => (NF4_CODEBOOK[i]! + NF4_CODEBOOK[i + 1]!) / 2)

/** Index of the nearest NF4 level to v ∈ [−1, 1]; ties go to the lower level, as bitsandbytes' `dQuantizeNF4` (`x > mid`). */
const nearestNf4 = (v: number): number => {
  let lo = 0, hi = 15 // binary search over the 15 midpoints
  while (lo < hi) { const m = (lo + hi) >> 1; if (v > MID[m]!) lo = m + 1; else hi = m }
  return lo
}

/**
 * bitsandbytes NF4 block-wise quantization (`quantize_4bit(w, quant_type='nf4', blocksize=64)` without double
 * quantization): the row-major flattened w is cut into blocks of `blockSize`; absmax_b = max|x| (f32);
 * q = nearest level of x/absmax_b in {@link NF4_CODEBOOK}; x̂ = NF4_CODEBOOK[q]·absmax_b. Packed two codes per
 * byte, first element in the high nibble. w: Mat [rows, cols], f32|f64, any strides. Paper: QLoRA, arXiv:2305.14314.
 * @example const q = quantizeNf4(matrix(new Float32Array(128), 2, 64))
 * @since 0.1.0  @category quantization
 */
export function quantizeNf4(w: Mat, opts: QuantizeNf4Options = {}): Nf4Quantized {
  assertMat(w, 'quantizeNf4', 'w')
  const bs = opts.blockSize ?? 64
  assertIntIn('quantizeNf4', 'blockSize', bs, 1, Number.MAX_SAFE_INTEGER)
  if (opts.checkFinite ?? true) assertFinite(w, 'quantizeNf4', 'w')
  const [rows, cols] = w.shape, n = rows * cols
  const nb = Math.ceil(n / bs)
  const absmax = new Float32Array(nb), codes = new Uint8Array(Math.ceil(n / 2))
  const d = w.data, s0 = w.stride[0], s1 = w.stride[1]
  for (let b = 0; b < nb; b++) {
    const e0 = b * bs, e1 = Math.min(n, e0 + bs), i0 = Math.floor(e0 / cols), j0 = e0 % cols
    let m = 0
    for (let e = e0, i = i0, j = j0; e < e1; e++) {
      const a = Math.abs(d[w.offset + i * s0 + j * s1]!)
      if (a > m) m = a
      if (++j === cols) { j = 0; i++ }
    }
    const am = Math.fround(m)
    absmax[b] = am
    for (let e = e0, i = i0, j = j0; e < e1; e++) {
      const q = am > 0 ? nearestNf4(d[w.offset + i * s0 + j * s1]! / am) : 7
      codes[e >> 1]! |= (e & 1) === 0 ? q << 4 : q
      if (++j === cols) { j = 0; i++ }
    }
  }
  return { format: 'nf4', blockSize: bs, shape: [rows, cols], codes, absmax }
}
