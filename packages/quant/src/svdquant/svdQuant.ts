import { InvalidArgument, type Mat } from '@lr/svd'
import { assertCovariance, scaleCols, splitFactors, thinSvd, dense, toF32Mat } from '../internal/linalg.js'
import { assertIntIn } from '../internal/validate.js'
import { prepareCovariance, prepareWeight } from '../compress/common.js'
import { quantizeIntK } from '../quantizeIntK.js'
import { dequantize } from '../dequantize.js'
import type { IntKQuantized } from '../quantized.js'
import { matrix } from '@lr/svd'

/** Options of {@link svdQuant}. */
export interface SvdQuantOptions {
  /** rank of the 16-bit low-rank branch, 1 ≤ r ≤ min(out, in) */
  readonly rank: number
  /** bits of the residual, 2…8 @default 4 */
  readonly bits?: number
  /** group size of the residual quantizer (columns) @default 64 */
  readonly groupSize?: number
  /** migration strength α of the smoothing λ_j = a_j^α / w_j^(1−α) @default 0.5 */
  readonly alpha?: number
  /** symmetric residual quantizer @default true */
  readonly isSymmetric?: boolean
}

/** The result of {@link svdQuant}: W ≈ lowRankUp·lowRankDown + dequantize(residual)·diag(1/smooth). */
export interface SvdQuantized {
  /** λ [in]: the residual acts on x·diag(1/λ) */
  readonly smooth: Float32Array
  /** L1 [out, r] */
  readonly lowRankUp: Mat<Float32Array>
  /** L2·diag(1/λ) [r, in] (the smoothing is folded in, so the branch reads x directly) */
  readonly lowRankDown: Mat<Float32Array>
  /** Q(Ŵ − L1·L2) [out, in] in int-k */
  readonly residual: IntKQuantized
}

/**
 * SVDQuant (weight side): smooth Ŵ = W·diag(λ), λ_j = a_j^α / max_i|W_ij|^(1−α) with a_j = √C_jj the input channel
 * RMS (SmoothQuant's migration; C = Σ x·xᵀ); split Ŵ = L1·L2 + R with L1·L2 the rank-r SVD truncation (kept in 16 bit),
 * quantize the residual R group-wise to int-k. Outliers go to the low-rank branch, so R has a small range.
 * w: Mat [out, in]; covariance: Mat [in, in]. Paper: SVDQuant, arXiv:2411.05007 (activations are not quantized here).
 * @example const sq = svdQuant(w, cov, { rank: 32, bits: 4, groupSize: 64 })
 * @since 0.1.0  @category quantization
 */
export function svdQuant(w: Mat, covariance: Mat, opts: SvdQuantOptions): SvdQuantized {
  const op = 'svdQuant'
  const a = prepareWeight(op, w, opts.rank, true)
  const bits = opts.bits ?? 4, g = opts.groupSize ?? 64, alpha = opts.alpha ?? 0.5
  assertIntIn(op, 'bits', bits, 2, 8)
  if (!(alpha >= 0 && alpha <= 1)) throw new InvalidArgument(op, 'alpha', `${alpha} is outside [0, 1]`)
  const c = prepareCovariance(op, covariance)
  assertCovariance(op, 'covariance', c, a.cols)
  const m = a.rows, n = a.cols
  const lam = new Float64Array(n), inv = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    let wmax = 0
    for (let i = 0; i < m; i++) wmax = Math.max(wmax, Math.abs(a.data[i * n + j]!))
    const act = Math.sqrt(Math.max(c.data[j * n + j]!, 0))
    const l = act > 0 && wmax > 0 ? Math.pow(act, alpha) / Math.pow(wmax, 1 - alpha) : 1
    lam[j] = Math.fround(l); inv[j] = 1 / lam[j]!
  }
  const smoothed = scaleCols(a, lam)
  const { left, right } = splitFactors(thinSvd(smoothed), opts.rank)
  // residual R = Ŵ − L1·L2
  const r = opts.rank, res = Float64Array.from(smoothed.data)
  for (let i = 0; i < m; i++) for (let t = 0; t < r; t++) {
    const u = left.data[i * r + t]!
    for (let j = 0; j < n; j++) res[i * n + j] -= u * right.data[t * n + j]!
  }
  const residual = quantizeIntK(matrix(res, m, n), { bits, groupSize: g, isSymmetric: opts.isSymmetric ?? true })
  return { smooth: Float32Array.from(lam), lowRankUp: toF32Mat(left), lowRankDown: toF32Mat(scaleCols(right, inv)), residual }
}

/**
 * The dense f32 weight an SVDQuantized layer applies: lowRankUp·lowRankDown + dequantize(residual)·diag(1/smooth).
 * @example const w2 = svdQuantDense(svdQuant(w, cov, { rank: 32 }))
 * @since 0.1.0  @category quantization
 */
export function svdQuantDense(q: SvdQuantized): Mat<Float32Array> {
  const [m, n] = q.residual.shape, r = q.lowRankUp.shape[1]
  const out = new Float64Array(m * n), deq = dequantize(q.residual).data
  const up = q.lowRankUp.data, down = q.lowRankDown.data
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = deq[i * n + j]! / q.smooth[j]!
    for (let t = 0; t < r; t++) { const u = up[i * r + t]!; for (let j = 0; j < n; j++) out[i * n + j] += u * down[t * n + j]! }
  }
  return toF32Mat(dense(out, m, n))
}
