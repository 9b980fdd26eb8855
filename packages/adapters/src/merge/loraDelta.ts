import { gemm, transpose, zerosLike, ShapeMismatch, type Float, type Mat } from '@lr/svd'
import type { LoraPair } from '../types.js'

/** Options of `loraDelta`, `mergeLora` and `unmergeLora`.  @since 0.1.0  @category merge */
export interface LoraDeltaOptions {
  /** The base weight is stored `[in, out]` (PEFT `fan_in_fan_out`, GPT-2 Conv1D, embedding LoRAs): ΔW is transposed. @default false */
  readonly fanInFanOut?: boolean
}

/** Checks a pair once: A `[r, in]`, B `[out, r]`, same dtype, finite scaling. */
export const assertPair = (op: string, pair: LoraPair): void => {
  if (pair.a.shape[0] !== pair.b.shape[1]) throw new ShapeMismatch(op, 'B.cols = A.rows (the rank)', pair.b.shape, pair.a.shape)
  if ((pair.a.data instanceof Float32Array) !== (pair.b.data instanceof Float32Array))
    throw new ShapeMismatch(op, 'A and B have the same dtype (both f32 or both f64)', pair.a.shape, pair.b.shape)
  if (!Number.isFinite(pair.scaling)) throw new ShapeMismatch(op, `finite scaling (got ${pair.scaling})`, pair.a.shape, pair.b.shape)
}

/**
 * ΔW = scaling · B · A, `[out, in]` (or `[in, out]` with `fanInFanOut`) — PEFT's `get_delta_weight`.
 * A `[r, in]`, B `[out, r]`, f32|f64; dtype follows A. Paper: LoRA, arXiv:2106.09685.
 * @example const dw = loraDelta({ a, b, scaling: 2 })
 * @since 0.1.0  @category merge
 */
export const loraDelta = <T extends Float>(pair: LoraPair<T>, opts: LoraDeltaOptions = {}): Mat<T> => {
  assertPair('loraDelta', pair)
  const out = zerosLike(pair.a, pair.b.shape[0], pair.a.shape[1])
  gemm(pair.b, pair.a, { alpha: pair.scaling, out })
  return opts.fanInFanOut === true ? transpose(out) : out
}

/** W + sign·scaling·B·A into a fresh copy of W (shared by merge and unmerge). */
export const addDelta = <T extends Float>(op: string, w: Mat<T>, pair: LoraPair<T>, sign: 1 | -1, opts: LoraDeltaOptions): Mat<T> => {
  assertPair(op, pair)
  const isT = opts.fanInFanOut === true
  const [outF, inF] = [pair.b.shape[0], pair.a.shape[1]]
  const want: readonly [number, number] = isT ? [inF, outF] : [outF, inF]
  if (w.shape[0] !== want[0] || w.shape[1] !== want[1])
    throw new ShapeMismatch(op, isT ? 'w = [A.cols, B.rows] (fan_in_fan_out)' : 'w = [B.rows, A.cols]', w.shape, want)
  if ((w.data instanceof Float32Array) !== (pair.a.data instanceof Float32Array))
    throw new ShapeMismatch(op, 'w has the dtype of A and B (decode BF16 to f32 first)', w.shape, pair.a.shape)
  const res = zerosLike(w, w.shape[0], w.shape[1])
  const d = res.data, s = w.data, s0 = w.stride[0], s1 = w.stride[1], cols = w.shape[1]
  for (let i = 0; i < w.shape[0]; i++) {
    const base = w.offset + i * s0
    for (let j = 0; j < cols; j++) d[i * cols + j] = s[base + j * s1]!
  }
  // PEFT forms B·A·scaling in the adapter dtype, then adds it: same order here (alpha = ±scaling, beta = 1).
  const delta = zerosLike(pair.a, outF, inF)
  gemm(pair.b, pair.a, { alpha: sign * pair.scaling, out: delta })
  const dv = isT ? transpose(delta) : delta
  const e = dv.data, e0 = dv.stride[0], e1 = dv.stride[1]
  for (let i = 0; i < res.shape[0]; i++) for (let j = 0; j < cols; j++) d[i * cols + j] = d[i * cols + j]! + e[dv.offset + i * e0 + j * e1]!
  return res
}
