import { InvalidArgument, matrix, type Mat } from '@lr/svd'
import { assertIntIn } from '../internal/validate.js'
import { dense, splitFactors, thinSvd, toF32Mat } from '../internal/linalg.js'
import { prepareWeight } from '../compress/common.js'
import { quantizeNf4 } from '../quantizeNf4.js'
import { dequantize } from '../dequantize.js'
import type { Nf4Quantized } from '../quantized.js'

/** Options of {@link loftqInit}. */
export interface LoftqInitOptions {
  /** LoRA rank r */
  readonly rank: number
  /** bits of the quantized base: 4 (NF4, bitsandbytes layout, as PEFT with bitsandbytes installed) @default 4 */
  readonly bits?: number
  /** alternating iterations (PEFT `loftq_iter`) @default 1 */
  readonly iters?: number
  /** NF4 block size @default 64 */
  readonly blockSize?: number
}

/**
 * LoftQ initialisation, as PEFT's `loftq_init`: res = W; repeat `iters` times { Q = NF4(res); res = W − deq(Q);
 * (U, S, Vᵀ) = SVD(res); B = U_r·√S_r, A = √S_r·V_rᵀ; res = W − B·A }. Returns the last quantized base Q (and its
 * dequantization), lora A [r, in] and B [out, r] with W ≈ deq(Q) + B·A (LoRA scale 1: write lora_alpha = r).
 * w: Mat [out, in], f32|f64. Paper: LoftQ, arXiv:2310.08659. Equals PEFT `init_lora_weights="loftq"` with
 * `LoftQConfig(loftq_bits=4, loftq_iter=iters)`.
 * @example const { quantized, loraA, loraB } = loftqInit(w, { rank: 16, bits: 4, iters: 1 })
 * @since 0.1.0  @category quantization
 */
export function loftqInit(w: Mat, opts: LoftqInitOptions): { readonly quantized: Nf4Quantized; readonly base: Mat<Float32Array>; readonly loraA: Mat<Float32Array>; readonly loraB: Mat<Float32Array> } {
  const op = 'loftqInit'
  const W = prepareWeight(op, w, opts.rank, true)
  const bits = opts.bits ?? 4, iters = opts.iters ?? 1, bs = opts.blockSize ?? 64
  if (bits !== 4) throw new InvalidArgument(op, 'bits', `${bits}: only 4-bit NF4 (PEFT's bitsandbytes path) is supported`)
  assertIntIn(op, 'iters', iters, 1, 100)
  const m = W.rows, n = W.cols
  let res = Float64Array.from(W.data)
  let quantized: Nf4Quantized | undefined, base: Mat<Float32Array> | undefined
  let A = dense(new Float64Array(opts.rank * n), opts.rank, n), B = dense(new Float64Array(m * opts.rank), m, opts.rank)
  for (let it = 0; it < iters; it++) {
    quantized = quantizeNf4(matrix(res, m, n), { blockSize: bs })
    base = dequantize(quantized)
    const e = new Float64Array(m * n)
    for (let i = 0; i < e.length; i++) e[i] = W.data[i]! - base.data[i]!
    const { left, right } = splitFactors(thinSvd(dense(e, m, n)), opts.rank)
    B = left; A = right
    res = new Float64Array(m * n)
    const r = opts.rank
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) res[i * n + j] = W.data[i * n + j]!
      for (let t = 0; t < r; t++) { const b = B.data[i * r + t]!; for (let j = 0; j < n; j++) res[i * n + j] -= b * A.data[t * n + j]! }
    }
  }
  return { quantized: quantized!, base: base!, loraA: toF32Mat(A), loraB: toF32Mat(B) }
}
