import { qrPivoted, matrix, InvalidArgument, type Float, type Mat } from '@lr/svd'
import { assertWeight, castLike, toF64 } from '../internal/linalg.js'
import { loraScaling } from '../lora/loraScaling.js'
import type { ScalingOptions } from '../types.js'

/** Options of `qrLoraInit`: a fixed rank, or `threshold` on the energy of diag(R).  @since 0.1.0  @category inits */
export interface QrLoraInitOptions extends ScalingOptions {
  /** Rank (upper bound with `threshold`). */
  readonly rank: number
  /** Smallest r with Σᵢ<r R_ii² ≥ threshold · Σ R_ii² (the paper's τ). @default none (fixed rank) */
  readonly threshold?: number
}

/** A QR-LoRA init: ΔW = s·Q_r·diag(λ)·R_r with frozen Q_r, R_r.  @since 0.1.0  @category inits */
export interface QrLoraInit<T extends Float = Float> {
  /** Q_r `[out, r]`, orthonormal columns (frozen). */
  readonly q: Mat<T>
  /** R_r `[r, in]`, rows of R with the column pivoting undone (frozen): W ≈ Q_r R_r. */
  readonly r: Mat<T>
  /** Trainable coefficients λ `[r]`, zero at init (ΔW = 0). */
  readonly lambda: T
  readonly scaling: number
}

/**
 * QR-LoRA init: pivoted QR W·P = Q·R (@lr/svd `qrPivoted`); the basis Q_r = Q[:, :r] `[out, r]` and
 * R_r = R[:r, :]·Pᵀ `[r, in]` are frozen, and the update ΔW = s·Σᵢ λᵢ·qᵢ·rᵢᵀ = s·Q_r·diag(λ)·R_r trains only
 * λ `[r]` (0 at init). r fixed, or from the energy of |R_ii|. f32|f64; dtype follows w. Paper: QR-LoRA,
 * arXiv:2508.21810. Key scheme: `<module>.qr_lora_Q`, `<module>.qr_lora_R`, `<module>.qr_lora_lambda` (docs/lora-init.md).
 * @example const { q, r, lambda } = qrLoraInit(w, { rank: 16 })
 * @since 0.1.0  @category inits
 */
export const qrLoraInit = <T extends Float>(w: Mat<T>, opts: QrLoraInitOptions): QrLoraInit<T> => {
  assertWeight('qrLoraInit', w, opts.rank)
  const [m, n] = w.shape
  const { q, r: R, perm } = qrPivoted(toF64(w), {})
  let rank = opts.rank
  if (opts.threshold !== undefined) {
    if (!(opts.threshold > 0 && opts.threshold <= 1)) throw new InvalidArgument('qrLoraInit', 'threshold', `must be in (0, 1], got ${opts.threshold}`)
    const k = Math.min(m, n)
    let tot = 0
    for (let i = 0; i < k; i++) tot += R.data[R.offset + i * R.stride[0] + i * R.stride[1]]! ** 2
    let acc = 0, t = 0
    while (t < k && acc < opts.threshold * tot) { acc += R.data[R.offset + t * R.stride[0] + t * R.stride[1]]! ** 2; t++ }
    rank = Math.max(1, Math.min(rank, t))
  }
  const Q = new Float64Array(m * rank), Rr = new Float64Array(rank * n)
  for (let i = 0; i < m; i++) for (let k = 0; k < rank; k++) Q[i * rank + k] = q.data[q.offset + i * q.stride[0] + k * q.stride[1]]!
  // (R Pᵀ)[k, perm[j]] = R[k, j]
  for (let k = 0; k < rank; k++) for (let j = 0; j < n; j++) Rr[k * n + perm[j]!] = R.data[R.offset + k * R.stride[0] + j * R.stride[1]]!
  const lambda = (w.data instanceof Float32Array ? new Float32Array(rank) : new Float64Array(rank)) as T
  return { q: castLike(matrix(Q, m, rank), w), r: castLike(matrix(Rr, rank, n), w), lambda, scaling: loraScaling({ ...opts, rank }) }
}
