import { svd, type Float, type Mat } from '@lr/svd'
import { matrix } from '@lr/svd'
import { assertWeight, castLike, toF64 } from '../internal/linalg.js'

/** A factored weight W = U·diag(s)·Vᵀ + residual with explicit singular factors (SORSA, SVFit).
 *  @since 0.1.0  @category inits */
export interface SingularFactors<T extends Float = Float> {
  /** U_r `[out, r]`, orthonormal columns. */
  readonly u: Mat<T>
  /** σ_r, descending. */
  readonly s: T
  /** V_rᵀ `[r, in]`, orthonormal rows. */
  readonly vt: Mat<T>
  /** W − U_r diag(σ_r) V_rᵀ `[out, in]` (frozen). */
  readonly residual: Mat<T>
}

/** The r principal singular triples of W and the residual (shared by SORSA and SVFit). */
export const principalFactors = <T extends Float>(op: string, w: Mat<T>, rank: number): SingularFactors<T> => {
  assertWeight(op, w, rank)
  const w64 = toF64(w)
  const [m, n] = w.shape
  const { u, s, vt } = svd(w64, { mode: 'thin' })
  const U = new Float64Array(m * rank), V = new Float64Array(rank * n), S = new Float64Array(rank)
  const res = Float64Array.from(w64.data)
  for (let k = 0; k < rank; k++) {
    S[k] = s[k]!
    for (let i = 0; i < m; i++) U[i * rank + k] = u.data[u.offset + i * u.stride[0] + k * u.stride[1]]!
    for (let j = 0; j < n; j++) V[k * n + j] = vt.data[vt.offset + k * vt.stride[0] + j * vt.stride[1]]!
    for (let i = 0; i < m; i++) {
      const g = U[i * rank + k]! * S[k]!
      for (let j = 0; j < n; j++) res[i * n + j] = res[i * n + j]! - g * V[k * n + j]!
    }
  }
  const sOut = (w.data instanceof Float32Array ? Float32Array.from(S) : S) as T
  return { u: castLike(matrix(U, m, rank), w), s: sOut, vt: castLike(matrix(V, rank, n), w), residual: castLike(matrix(res, m, n), w) }
}

/**
 * SORSA init: W = U Σ Vᵀ; the principal part W_p = U_p Σ_p V_pᵀ (r components) is trainable — U_p `[out, r]`,
 * Σ_p `[r]`, V_pᵀ `[r, in]`, trained with an orthonormality regularizer ‖U_pᵀU_p − I‖²_F + ‖V_pᵀV_p − I‖²_F — and
 * W_r = W − W_p is the frozen residual; W_r + U_p diag(Σ_p) V_pᵀ = W at step 0. f32|f64; dtype follows w.
 * Paper: SORSA, arXiv:2409.00055. No PEFT format: keys `<module>.sorsa_U` [out, r], `<module>.sorsa_S` [r],
 * `<module>.sorsa_Vt` [r, in] (docs/lora-init.md); the residual replaces `<module>.weight`.
 * @example const { u, s, vt, residual } = sorsaInit(w, { rank: 8 })
 * @since 0.1.0  @category inits
 */
export const sorsaInit = <T extends Float>(w: Mat<T>, opts: { readonly rank: number }): SingularFactors<T> => principalFactors('sorsaInit', w, opts.rank)
