import { qr, svd, gemm, transpose, zeros, InvalidArgument, type Float } from '@lr/svd'
import { matrix } from '@lr/svd'
import type { LoraPair } from '../types.js'
import { assertPair } from '../merge/loraDelta.js'
import { selectLoraRank, type RankRule } from '../extract/selectLoraRank.js'
import { toF64, castLike } from '../internal/linalg.js'

/** Options of `resizeLora`.  @since 0.1.0  @category resize */
export interface ResizeLoraOptions {
  /** New rank (upper bound for a dynamic rule), ≤ the current rank. */
  readonly rank: number
  /** Dynamic rule, as kohya's resize_lora (`sv_fro` = frobenius, `sv_cumulative`, `sv_ratio`) or energy. @default { kind: 'fixed' } */
  readonly rule?: RankRule
  /** Scaling of the result; A and B absorb the rest. @default the input's scaling (kohya keeps alpha/r) */
  readonly scaling?: number
}

/** A resized pair with the spectrum it was cut from.  @since 0.1.0  @category resize */
export interface ResizedLora<T extends Float = Float> extends LoraPair<T> {
  readonly rank: number
  /** Singular values of scaling·B·A (all r of them), descending. */
  readonly singularValues: Float64Array
  /** ‖ΔW − ΔW′‖_F / ‖ΔW‖_F. */
  readonly relativeError: number
}

/**
 * Lowers the rank of a LoRA without forming ΔW `[out, in]`: B = Q_b R_b, Aᵀ = Q_a R_a (reduced QR), the
 * r×r core C = s·R_b R_aᵀ = U Σ Vᵀ (SVD); ΔW = (Q_b U) Σ (Q_a V)ᵀ exactly, so keeping k components gives
 * the best rank-k approximation: B′ = Q_b U_k √(Σ_k/s′), A′ = √(Σ_k/s′) (Q_a V_k)ᵀ, scaling s′.
 * Cost O((out + in)·r² + r³). f32|f64; dtype follows A. Same result as kohya `resize_lora.py` (which
 * forms ΔW and takes its SVD).
 * @example const small = resizeLora({ a, b, scaling: 2 }, { rank: 4 })
 * @since 0.1.0  @category resize
 */
export const resizeLora = <T extends Float>(pair: LoraPair<T>, opts: ResizeLoraOptions): ResizedLora<T> => {
  assertPair('resizeLora', pair)
  const r = pair.a.shape[0]
  if (!Number.isInteger(opts.rank) || opts.rank < 1)
    throw new InvalidArgument('resizeLora', 'rank', `must be a positive integer, got ${opts.rank}`)
  const outScale = opts.scaling ?? pair.scaling
  if (!(outScale > 0)) throw new InvalidArgument('resizeLora', 'scaling', `must be positive, got ${outScale}`)
  const b64 = toF64(pair.b), at64 = toF64(transpose(pair.a))
  const qb = qr(b64, { mode: 'reduced' }), qa = qr(at64, { mode: 'reduced' })
  // core = s · R_b · R_aᵀ  (kb × ka, kb = min(out, r), ka = min(in, r))
  const core = zeros('f64', qb.r.shape[0], qa.r.shape[0])
  gemm(qb.r, transpose(qa.r), { alpha: pair.scaling, out: core })
  const { u, s, vt } = svd(core, { mode: 'thin' })
  const sv = Float64Array.from(s)
  const rank = selectLoraRank(sv, opts.rule ?? { kind: 'fixed' }, { maxRank: Math.min(opts.rank, r, sv.length) })
  let total = 0, kept = 0
  for (let i = 0; i < sv.length; i++) { total += sv[i]! ** 2; if (i < rank) kept += sv[i]! ** 2 }
  // B′ = Q_b · U_k · diag(g), A′ = diag(g) · V_kᵀ · Q_aᵀ, g = √(σ/s′)
  const uk = zeros('f64', u.shape[0], rank), vk = zeros('f64', rank, vt.shape[1])
  for (let k = 0; k < rank; k++) {
    const g = Math.sqrt(sv[k]! / outScale)
    for (let i = 0; i < u.shape[0]; i++) uk.data[i * rank + k] = g * u.data[u.offset + i * u.stride[0] + k * u.stride[1]]!
    for (let j = 0; j < vt.shape[1]; j++) vk.data[k * vt.shape[1] + j] = g * vt.data[vt.offset + k * vt.stride[0] + j * vt.stride[1]]!
  }
  const bNew = zeros('f64', qb.q.shape[0], rank)
  gemm(qb.q, uk, { out: bNew })
  const aNew = zeros('f64', rank, qa.q.shape[0])
  gemm(vk, transpose(qa.q), { out: aNew })
  return {
    a: castLike(aNew, pair.a), b: castLike(bNew, pair.a), scaling: outScale, rank, singularValues: sv,
    relativeError: total === 0 ? 0 : Math.sqrt(Math.max(0, total - kept) / total),
  }
}

/** Stacks pairs into one exact pair of rank Σ rᵢ: B = [w₁s₁B₁ | …], A = [A₁; …], scaling 1 (f64). */
export const stackPairs = (pairs: readonly LoraPair[], weights: readonly number[]): LoraPair<Float64Array> => {
  const out = pairs[0]!.b.shape[0], inF = pairs[0]!.a.shape[1]
  const total = pairs.reduce((acc, p) => acc + p.a.shape[0], 0)
  const a = new Float64Array(total * inF), b = new Float64Array(out * total)
  let off = 0
  pairs.forEach((p, idx) => {
    const r = p.a.shape[0], f = weights[idx]! * p.scaling
    for (let k = 0; k < r; k++) {
      for (let j = 0; j < inF; j++) a[(off + k) * inF + j] = p.a.data[p.a.offset + k * p.a.stride[0] + j * p.a.stride[1]]!
      for (let i = 0; i < out; i++) b[i * total + off + k] = f * p.b.data[p.b.offset + i * p.b.stride[0] + k * p.b.stride[1]]!
    }
    off += r
  })
  return { a: matrix(a, total, inF), b: matrix(b, out, total), scaling: 1 }
}
