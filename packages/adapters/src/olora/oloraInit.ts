import { qr, sliceCols, sliceRows, type Float, type Mat } from '@lr/svd'
import type { LoraInit } from '../types.js'
import type { InitOptions } from '../lora/initOptions.js'
import { loraScaling } from '../lora/loraScaling.js'
import { assertWeight, castLike, residualF64, toF64 } from '../internal/linalg.js'

/**
 * OLoRA init: W = Q R (reduced QR); B = Q[:, :r] `[out, r]` (orthonormal columns), A = R[:r, :] `[r, in]`,
 * residual = W − s·B·A (s = scaling; A and B are not divided by s, as in PEFT).
 * w: Mat `[out, in]`, f32|f64; dtype follows w (QR in f64). Paper: OLoRA, arXiv:2406.01775.
 * Equals PEFT `init_lora_weights="olora"` up to the sign of each (column of B, row of A) pair.
 * @example const { a, b, residual } = oloraInit(w, { rank: 8, alpha: 8 })
 * @since 0.1.0  @category inits
 */
export const oloraInit = <T extends Float>(w: Mat<T>, opts: InitOptions): LoraInit<T> => {
  assertWeight('oloraInit', w, opts.rank)
  const scaling = loraScaling(opts)
  const w64 = toF64(w)
  const { q, r } = qr(w64, { mode: 'reduced' })
  const b = sliceCols(q, 0, opts.rank)
  const a = sliceRows(r, 0, opts.rank)
  const residual = castLike(residualF64(w64, b, a, scaling), w)
  return { a: castLike(a, w), b: castLike(b, w), scaling, residual }
}
