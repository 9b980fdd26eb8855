import { svd, type Float, type Mat } from '@lr/svd'
import type { LoraInit } from '../types.js'
import type { InitOptions } from '../lora/initOptions.js'
import { loraScaling } from '../lora/loraScaling.js'
import { assertWeight, castLike, range, residualF64, splitSqrt, toF64 } from '../internal/linalg.js'

/**
 * MiLoRA init: the r *minor* singular components go to the adapter. W = U S Vᵀ (k = min(out, in));
 * with m = the last r indices, A = diag(√(S_m/s)) V_mᵀ `[r, in]`, B = U_m diag(√(S_m/s)) `[out, r]`,
 * residual = W − s·B·A (the principal components stay in the frozen base). w: Mat `[out, in]`,
 * f32|f64; dtype follows w. Paper: MiLoRA, arXiv:2406.09044. No PEFT option; PEFT format (plain LoRA keys).
 * @example const { a, b, residual } = miloraInit(w, { rank: 8 })
 * @since 0.1.0  @category inits
 */
export const miloraInit = <T extends Float>(w: Mat<T>, opts: InitOptions): LoraInit<T> => {
  assertWeight('miloraInit', w, opts.rank)
  const scaling = loraScaling(opts)
  const w64 = toF64(w)
  const { u, s, vt } = svd(w64, { mode: 'thin' })
  const k = s.length
  const { a, b } = splitSqrt(u, s, vt, range(k - opts.rank, k), scaling)
  return { a: castLike(a, w), b: castLike(b, w), scaling, residual: castLike(residualF64(w64, b, a, scaling), w) }
}
