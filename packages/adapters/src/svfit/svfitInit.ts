import type { Float, Mat } from '@lr/svd'
import { principalFactors, type SingularFactors } from '../sorsa/sorsaInit.js'

/** SVFit init: singular factors where only `s` is trained.  @since 0.1.0  @category inits */
export interface SvfitInit<T extends Float = Float> extends SingularFactors<T> {
  /** Only the r singular values are trainable; U_r and V_rᵀ are frozen. */
  readonly trainable: readonly ['s']
}

/**
 * SVFit init: W = U Σ Vᵀ; the top-r singular values σ_r `[r]` become the trainable scales of fixed
 * singular vectors, W′ = W_res + U_r diag(σ_r) V_rᵀ with U_r `[out, r]`, V_rᵀ `[r, in]` and
 * W_res = W − U_r Σ_r V_rᵀ frozen (W′ = W at step 0). f32|f64; dtype follows w.
 * Paper: SVFit, arXiv:2409.05926. No PEFT format: keys `<module>.svfit_U`, `<module>.svfit_S`, `<module>.svfit_Vt` (docs/lora-init.md).
 * @example const { u, s, vt, residual } = svfitInit(w, { rank: 16 })
 * @since 0.1.0  @category inits
 */
export const svfitInit = <T extends Float>(w: Mat<T>, opts: { readonly rank: number }): SvfitInit<T> =>
  ({ ...principalFactors('svfitInit', w, opts.rank), trainable: ['s'] })
