import { InvalidArgument, ShapeMismatch, matrix, type Float } from '@lr/svd'
import type { LoraPair } from '../types.js'
import { assertPair } from '../merge/loraDelta.js'
import { stackPairs } from '../resize/resizeLora.js'
import { factoredSvd } from '../internal/factoredSvd.js'
import { castLike } from '../internal/linalg.js'

/** Options of `fedsvdAggregate`.  @since 0.1.0  @category federated */
export interface FedsvdAggregateOptions {
  /** Client weights pₖ (e.g. data sizes / total). @default 1/K each */
  readonly weights?: readonly number[]
  /** Rank of the aggregated adapter. @default the clients' rank (of the first client) */
  readonly rank?: number
}

/**
 * FedSVD aggregation: the server forms ΔW = Σₖ pₖ·sₖ·Bₖ·Aₖ (without densifying: stacked factors, QR, r×r
 * SVD) and refactors it by SVD, ΔW ≈ U_r Σ_r V_rᵀ: the new global A = V_rᵀ `[r, in]` has orthonormal rows
 * (re-broadcast, frozen or trained by clients) and B = U_r Σ_r `[out, r]`; scaling 1. The truncation is the
 * best rank-r approximation of the averaged update (plain FedAvg of A and B separately is not).
 * f32|f64; dtype follows the first A. Paper: FedSVD, arXiv:2505.12805.
 * @example const global = fedsvdAggregate([c1, c2, c3], { weights: [0.5, 0.3, 0.2] })
 * @since 0.1.0  @category federated
 */
export const fedsvdAggregate = <T extends Float>(clients: readonly LoraPair<T>[], opts: FedsvdAggregateOptions = {}): LoraPair<T> & { readonly singularValues: Float64Array } => {
  if (clients.length === 0) throw new InvalidArgument('fedsvdAggregate', 'clients', 'give at least one client adapter')
  const weights = opts.weights ?? clients.map(() => 1 / clients.length)
  if (weights.length !== clients.length) throw new InvalidArgument('fedsvdAggregate', 'weights', `${weights.length} weights for ${clients.length} clients`)
  const first = clients[0]!
  for (const c of clients) {
    assertPair('fedsvdAggregate', c)
    if (c.a.shape[1] !== first.a.shape[1] || c.b.shape[0] !== first.b.shape[0])
      throw new ShapeMismatch('fedsvdAggregate', 'every client has the same [out, in]', [c.b.shape[0], c.a.shape[1]], [first.b.shape[0], first.a.shape[1]])
  }
  const { u, s, v } = factoredSvd(stackPairs(clients, weights))
  const r = Math.min(opts.rank ?? first.a.shape[0], s.length)
  const [m, n] = [u.shape[0], v.shape[0]]
  const a = new Float64Array(r * n), b = new Float64Array(m * r)
  for (let k = 0; k < r; k++) {
    for (let j = 0; j < n; j++) a[k * n + j] = v.data[j * v.shape[1] + k]!
    for (let i = 0; i < m; i++) b[i * r + k] = u.data[i * u.shape[1] + k]! * s[k]!
  }
  return { a: castLike(matrix(a, r, n), first.a), b: castLike(matrix(b, m, r), first.a), scaling: 1, singularValues: s }
}
