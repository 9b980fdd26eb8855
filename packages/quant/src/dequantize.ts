import { InvalidArgument, matrix, type Mat } from '@lr/svd'
import { NF4_CODEBOOK } from './nf4Codebook.js'
import { unpackCodesInto } from './packCodes.js'
import type { Quantized } from './quantized.js'

/** Checks the internal consistency of a Quantized value (lengths of codes, scales, zeros). @internal */
export const assertQuantized = (q: Quantized, op: string): void => {
  const [rows, cols] = q.shape
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw new InvalidArgument(op, 'q.shape', `[${rows}, ${cols}] must be two non-negative integers`)
  const n = rows * cols
  if (q.format === 'int') {
    const gpr = Math.ceil(cols / q.groupSize)
    if (q.codes.length < Math.ceil((n * q.bits) / 8)) throw new InvalidArgument(op, 'q.codes', `${n} codes of ${q.bits} bits need ${Math.ceil((n * q.bits) / 8)} bytes, got ${q.codes.length}`)
    if (q.scales.length !== rows * gpr || q.zeros.length !== rows * gpr) throw new InvalidArgument(op, 'q.scales', `expected ${rows * gpr} scales and zeros (rows × ⌈cols/groupSize⌉), got ${q.scales.length} and ${q.zeros.length}`)
  } else if (q.format === 'nf4') {
    if (q.codes.length < Math.ceil(n / 2)) throw new InvalidArgument(op, 'q.codes', `${n} NF4 codes need ${Math.ceil(n / 2)} bytes, got ${q.codes.length}`)
    if (q.absmax.length !== Math.ceil(n / q.blockSize)) throw new InvalidArgument(op, 'q.absmax', `expected ${Math.ceil(n / q.blockSize)} blocks, got ${q.absmax.length}`)
  } else throw new InvalidArgument(op, 'q.format', `unknown format "${(q as { format: string }).format}"`)
}

/** Decodes row i of q into out[0…cols) (f64 scratch, values exactly representable in f32). @internal */
export const decodeRowInto = (q: Quantized, i: number, idx: Int32Array, out: Float64Array | Float32Array): void => {
  const cols = q.shape[1]
  if (q.format === 'int') {
    unpackCodesInto(q.codes, q.bits, 'lsb-first', i * cols, cols, idx, 0)
    const gpr = Math.ceil(cols / q.groupSize), g = q.groupSize
    for (let gi = 0; gi < gpr; gi++) {
      const s = q.scales[i * gpr + gi]!, z = q.zeros[i * gpr + gi]!
      const j1 = Math.min(cols, (gi + 1) * g)
      for (let j = gi * g; j < j1; j++) out[j] = Math.fround((idx[j]! - z) * s)
    }
  } else {
    unpackCodesInto(q.codes, 4, 'msb-first', i * cols, cols, idx, 0)
    for (let j = 0; j < cols; j++) out[j] = Math.fround(NF4_CODEBOOK[idx[j]!]! * q.absmax[Math.floor((i * cols + j) / q.blockSize)]!)
  }
}

/**
 * The dense f32 weight a Quantized value stands for: int-k x̂ = (q − z)·s, NF4 x̂ = NF4_CODEBOOK[q]·absmax
 * (each product rounded to f32, as bitsandbytes' `dequantize_4bit` in f32). Returns a new row-major Mat [rows, cols].
 * @example const w = dequantize(quantizeNf4(matrix(new Float32Array(64), 1, 64)))
 * @since 0.1.0  @category quantization
 */
export function dequantize(q: Quantized): Mat<Float32Array> {
  assertQuantized(q, 'dequantize')
  const [rows, cols] = q.shape
  const out = new Float32Array(rows * cols), idx = new Int32Array(cols)
  for (let i = 0; i < rows; i++) decodeRowInto(q, i, idx, out.subarray(i * cols, (i + 1) * cols))
  return matrix(out, rows, cols)
}
