import { svd, randomizedSvd, transpose, InvalidArgument, type Float, type Mat, type Rng } from '@lr/svd'
import type { LoraInit } from '../types.js'
import type { InitOptions } from '../lora/initOptions.js'
import { loraScaling } from '../lora/loraScaling.js'
import { assertWeight, castLike, range, residualF64, splitSqrt, toF64 } from '../internal/linalg.js'

/** Options of `pissaInit`.  @since 0.1.0  @category inits */
export interface PissaInitOptions extends InitOptions {
  /** Fast PiSSA: randomized SVD with this many power iterations (PEFT `"pissa_niter_<n>"`, torch `svd_lowrank`). @default exact SVD */
  readonly niter?: number
  /** Extra random columns of the randomized SVD. @default 0 (as torch.svd_lowrank(q = r)) */
  readonly oversample?: number
  /** Randomness for the fast variant (required with `niter`). */
  readonly rng?: Rng
  /** `w` is stored `[in, out]` (PEFT `fan_in_fan_out`); the residual keeps that layout. @default false */
  readonly fanInFanOut?: boolean
}

/**
 * PiSSA init: W = U S Vᵀ; A = diag(√(Sᵣ/s)) Vᵣᵀ `[r, in]`, B = Uᵣ diag(√(Sᵣ/s)) `[out, r]`, residual = W − s·B·A
 * (s = scaling), so the adapter holds the r principal components and residual + s·B·A = W.
 * w: Mat `[out, in]`, f32|f64; dtype follows w (the SVD runs in f64). Paper: PiSSA, arXiv:2404.02948.
 * Equals PEFT `init_lora_weights="pissa"` (exact) and `"pissa_niter_<n>"` (`{ niter, rng }`).
 * @example const { a, b, residual } = pissaInit(w, { rank: 8, alpha: 8 })
 * @since 0.1.0  @category inits
 */
export const pissaInit = <T extends Float>(w: Mat<T>, opts: PissaInitOptions): LoraInit<T> => {
  assertWeight('pissaInit', w, opts.rank)
  const scaling = loraScaling(opts)
  const wt = opts.fanInFanOut === true ? transpose(w) : w
  const w64 = toF64(wt)
  let parts: { a: Mat<Float64Array>; b: Mat<Float64Array> }
  if (opts.niter === undefined) {
    const { u, s, vt } = svd(w64, { mode: 'thin' })
    parts = splitSqrt(u, s, vt, range(0, opts.rank), scaling)
  } else {
    if (opts.rng === undefined) throw new InvalidArgument('pissaInit', 'rng', 'fast PiSSA ({ niter }) needs an rng: pass { rng: seededRng(seed) }')
    if (!Number.isInteger(opts.niter) || opts.niter < 0) throw new InvalidArgument('pissaInit', 'niter', `must be a non-negative integer, got ${opts.niter}`)
    const { u, s, vt } = randomizedSvd(w64, { rank: opts.rank, oversample: opts.oversample ?? 0, powerIters: opts.niter, rng: opts.rng })
    parts = splitSqrt(u, s, vt, range(0, opts.rank), scaling)
  }
  const res = residualF64(w64, parts.b, parts.a, scaling)
  const residual = castLike(opts.fanInFanOut === true ? transpose(res) : res, w)
  return { a: castLike(parts.a, w), b: castLike(parts.b, w), scaling, residual }
}
