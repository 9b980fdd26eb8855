import { svd, gemm, zeros, ShapeMismatch, NoConvergence, InvalidArgument, type Float, type Mat } from '@lr/svd'
import type { LoraInit } from '../types.js'
import type { InitOptions } from '../lora/initOptions.js'
import { loraScaling } from '../lora/loraScaling.js'
import { assertWeight, castLike, range, residualF64, toF64 } from '../internal/linalg.js'
import { spdInverse } from '../internal/spd.js'

/** Options of `cordaInit`.  @since 0.1.0  @category inits */
export interface CordaInitOptions extends InitOptions {
  /** `ipm` (instruction-previewed: the r largest components of W·C go to the adapter) or `kpm`
   *  (knowledge-preserved: the r smallest), PEFT `corda_config.corda_method`. @default 'ipm' */
  readonly mode?: 'ipm' | 'kpm'
  /** Initial ridge, as a fraction of mean(diag C); doubled until ‖C′·C′⁻¹ − I‖_F < 0.05, as PEFT. @default 0.01 */
  readonly damp?: number
}

/**
 * CorDA init (context-oriented decomposition): C′ = C + damp·mean(diag C)·I (damp doubled until C′ inverts
 * to ‖C′C′⁻¹ − I‖_F < 0.05), W·C′ = U S Vhᵀ (SVD), V = (Vh·C′⁻¹)ᵀ; with the chosen r components,
 * A = diag(√(Sᵣ/s)) Vᵣᵀ `[r, in]`, B = Uᵣ diag(√(Sᵣ/s)) `[out, r]`, residual = W − s·B·A. C is the input
 * covariance Σ x·xᵀ `[in, in]` (any positive scale: B·A does not depend on it). w: `[out, in]`, f32|f64.
 * Paper: CorDA, arXiv:2406.05223. Equals PEFT `init_lora_weights="corda"` (`corda_method` ipm/kpm) given the
 * same covariance (PEFT averages per-sample covariances of max-normalized inputs; A and B then differ by a
 * per-component scale, B·A does not).
 * @example const { a, b, residual } = cordaInit(w, cov, { rank: 8, mode: 'ipm' })
 * @since 0.1.0  @category inits
 */
export const cordaInit = <T extends Float>(w: Mat<T>, covariance: Mat, opts: CordaInitOptions): LoraInit<T> => {
  assertWeight('cordaInit', w, opts.rank)
  const [, n] = w.shape
  if (covariance.shape[0] !== n || covariance.shape[1] !== n)
    throw new ShapeMismatch('cordaInit', 'covariance is [in, in] with in = w.cols', covariance.shape, [n, n])
  const scaling = loraScaling(opts)
  const c = toF64(covariance)
  let meanDiag = 0
  for (let i = 0; i < n; i++) meanDiag += c.data[i * n + i]!
  meanDiag /= n
  if (!(meanDiag > 0)) throw new InvalidArgument('cordaInit', 'covariance', `mean of the diagonal is ${meanDiag}; the calibration covariance is empty or not Σ x·xᵀ`)
  let damp = opts.damp ?? 0.01
  let fixed = c, inv = c
  for (let tries = 0; ; tries++) {
    if (tries > 40) throw new NoConvergence('cordaInit', tries, `covariance still not invertible with damp ${damp}`)
    fixed = toF64(c)
    for (let i = 0; i < n; i++) fixed.data[i * n + i] = fixed.data[i * n + i]! + meanDiag * damp
    try { inv = spdInverse(fixed) } catch (e) {
      if ((e as { _tag?: string })._tag !== 'NotPositiveDefinite') throw e
      damp *= 2
      continue
    }
    const prod = zeros('f64', n, n)
    gemm(fixed, inv, { out: prod })
    let err = 0
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { const d = prod.data[i * n + j]! - (i === j ? 1 : 0); err += d * d }
    if (Math.sqrt(err) < 0.05) break
    damp *= 2
  }
  const w64 = toF64(w)
  const wc = zeros('f64', w.shape[0], n)
  gemm(w64, fixed, { out: wc })
  const { u, s, vt } = svd(wc, { mode: 'thin' })
  const vInvT = zeros('f64', vt.shape[0], n) // rows: (Vh · C′⁻¹)
  gemm(vt, inv, { out: vInvT })
  const k = s.length
  const idx = (opts.mode ?? 'ipm') === 'ipm' ? range(0, opts.rank) : range(k - opts.rank, k)
  const r = opts.rank, m = w.shape[0]
  const a = zeros('f64', r, n), b = zeros('f64', m, r)
  idx.forEach((j, t) => {
    const g = Math.sqrt(s[j]! / scaling)
    for (let c2 = 0; c2 < n; c2++) a.data[t * n + c2] = g * vInvT.data[j * n + c2]!
    for (let i = 0; i < m; i++) b.data[i * r + t] = g * u.data[u.offset + i * u.stride[0] + j * u.stride[1]]!
  })
  return { a: castLike(a, w), b: castLike(b, w), scaling, residual: castLike(residualF64(w64, b, a, scaling), w) }
}
