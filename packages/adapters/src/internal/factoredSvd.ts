import { qr, svd, gemm, transpose, zeros, type Mat } from '@lr/svd'
import type { LoraPair } from '../types.js'
import { toF64 } from './linalg.js'

/** Exact thin SVD of s·B·A without forming it: B = Q_b R_b, Aᵀ = Q_a R_a, s·R_b R_aᵀ = U Σ Vᵀ;
 *  returns u = Q_b U `[out, k]`, s = Σ (descending), v = Q_a V `[in, k]` (f64). */
export const factoredSvd = (pair: LoraPair): { u: Mat<Float64Array>; s: Float64Array; v: Mat<Float64Array> } => {
  const qb = qr(toF64(pair.b), { mode: 'reduced' }), qa = qr(toF64(transpose(pair.a)), { mode: 'reduced' })
  const core = zeros('f64', qb.r.shape[0], qa.r.shape[0])
  gemm(qb.r, transpose(qa.r), { alpha: pair.scaling, out: core })
  const { u, s, vt } = svd(core, { mode: 'thin' })
  const U = zeros('f64', qb.q.shape[0], s.length); gemm(qb.q, u, { out: U })
  const V = zeros('f64', qa.q.shape[0], s.length); gemm(qa.q, transpose(vt), { out: V })
  return { u: U, s: Float64Array.from(s), v: V }
}
