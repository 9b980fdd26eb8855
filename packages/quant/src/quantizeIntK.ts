import type { Mat } from '@lr/svd'
import { roundHalfEven } from './internal/round.js'
import { assertFinite, assertIntIn, assertMat } from './internal/validate.js'
import { packCodesUnchecked } from './packCodes.js'
import type { IntKQuantized } from './quantized.js'

/** Options of {@link quantizeIntK}. */
export interface QuantizeIntKOptions {
  /** bits per weight, 2…8 */
  readonly bits: number
  /** columns per group (along the input dimension) @default 128 */
  readonly groupSize?: number
  /** symmetric (zero point 2^(k−1), scale = absmax/(2^(k−1)−1)) or asymmetric (min/max) @default true */
  readonly isSymmetric?: boolean
  /** reject NaN/±Inf @default true */
  readonly checkFinite?: boolean
}

/**
 * Group-wise round-to-nearest int-k quantization (RTN, as GPTQ's quantizer without the Hessian update).
 * For each group g of a row: symmetric: s = max|x| / (2^(k−1) − 1), z = 2^(k−1), q = clamp(rne(x/s) + z, 1, 2^k − 1);
 * asymmetric: lo = min(min x, 0), hi = max(max x, 0), s = (hi − lo)/(2^k − 1), z = clamp(rne(−lo/s), 0, 2^k − 1),
 * q = clamp(rne(x/s) + z, 0, 2^k − 1). Dequantized x̂ = (q − z)·s, so |x − x̂| ≤ s/2 inside the range.
 * s is stored as f32 and the codes use that stored s. An all-zero group gets s = 0.
 * w: Mat [rows, cols], f32|f64, any strides. Rounding: half to even (torch.round).
 * @example const q = quantizeIntK(matrix(new Float32Array(256), 2, 128), { bits: 4, groupSize: 64 })
 * @since 0.1.0  @category quantization
 */
export function quantizeIntK(w: Mat, opts: QuantizeIntKOptions): IntKQuantized {
  assertMat(w, 'quantizeIntK', 'w')
  const k = opts.bits, g = opts.groupSize ?? 128, sym = opts.isSymmetric ?? true
  assertIntIn('quantizeIntK', 'bits', k, 2, 8)
  assertIntIn('quantizeIntK', 'groupSize', g, 1, Number.MAX_SAFE_INTEGER)
  if (opts.checkFinite ?? true) assertFinite(w, 'quantizeIntK', 'w')
  const [rows, cols] = w.shape
  const gpr = Math.ceil(cols / g)
  const scales = new Float32Array(rows * gpr), zeros = new Uint8Array(rows * gpr)
  const codes = new Uint8Array(rows * cols)
  const maxq = (1 << k) - 1, half = 1 << (k - 1)
  const d = w.data, s0 = w.stride[0], s1 = w.stride[1]
  for (let i = 0; i < rows; i++) {
    const base = w.offset + i * s0
    for (let gi = 0; gi < gpr; gi++) {
      const j0 = gi * g, j1 = Math.min(cols, j0 + g)
      let lo = 0, hi = 0
      for (let j = j0; j < j1; j++) { const v = d[base + j * s1]!; if (v < lo) lo = v; if (v > hi) hi = v }
      let s: number, z: number, qlo: number
      if (sym) {
        s = Math.fround(Math.max(hi, -lo) / (half - 1)); z = half; qlo = 1
      } else {
        s = Math.fround((hi - lo) / maxq); z = s > 0 ? Math.min(maxq, Math.max(0, roundHalfEven(-lo / s))) : 0; qlo = 0
      }
      scales[i * gpr + gi] = s; zeros[i * gpr + gi] = z
      for (let j = j0; j < j1; j++) {
        const q = s > 0 ? roundHalfEven(d[base + j * s1]! / s) + z : z
        codes[i * cols + j] = q < qlo ? qlo : q > maxq ? maxq : q
      }
    }
  }
  return { format: 'int', bits: k, groupSize: g, isSymmetric: sym, shape: [rows, cols], codes: packCodesUnchecked(codes, k, 'lsb-first'), scales, zeros }
}
