import { svd, matrix, gemm, zeros, transpose, ShapeMismatch, InvalidArgument, type Float, type Mat, type Rng } from '@lr/svd'
import type { InitOptions } from '../lora/initOptions.js'
import { loraScaling } from '../lora/loraScaling.js'
import { assertWeight, castLike, toF64 } from '../internal/linalg.js'

/** Options of `nloraInit`.  @since 0.1.0  @category inits */
export interface NloraInitOptions extends InitOptions {
  /** Randomness for the two Gaussian sketches (unused when `sketches` is given). */
  readonly rng?: Rng
  /** Singular values of C below this fraction of the largest are dropped in C⁺. @default 1e-10 */
  readonly rcond?: number
  /** The sketches Ω `[in, r]` and Ψ `[out, r]` to use instead of drawing them from `rng` (for reproducing a reference). @default drawn */
  readonly sketches?: { readonly omega: Mat; readonly psi: Mat }
}

/** An NLoRA init: ΔW = s·B·N·A.  @since 0.1.0  @category inits */
export interface NloraInit<T extends Float = Float> {
  /** B = W·Ω `[out, r]`. */
  readonly b: Mat<T>
  /** N = C⁺ = (Ψᵀ·W·Ω)⁺ `[r, r]` (the intermediate matrix). */
  readonly n: Mat<T>
  /** A = Ψᵀ·W `[r, in]`. */
  readonly a: Mat<T>
  readonly scaling: number
  /** W − s·B·N·A `[out, in]`. */
  readonly residual: Mat<T>
}

/**
 * NLoRA init (Nyström-initialized three-factor LoRA): two Gaussian sketches Ω `[in, r]`, Ψ `[out, r]` of W;
 * B = W·Ω, A = Ψᵀ·W, and the r×r intermediate N = (Ψᵀ·W·Ω)⁺/s, so that s·B·N·A is the Nyström
 * approximation of W; residual = W − s·B·N·A (W at step 0). f32|f64; dtype follows w.
 * Paper: NLoRA, arXiv:2502.14482. Key scheme: PEFT LoRA keys plus `<module>.lora_N` [r, r] (docs/lora-init.md).
 * @example const { a, n, b, residual } = nloraInit(w, { rank: 8, rng: seededRng(0) })
 * @since 0.1.0  @category inits
 */
export const nloraInit = <T extends Float>(w: Mat<T>, opts: NloraInitOptions): NloraInit<T> => {
  assertWeight('nloraInit', w, opts.rank)
  const [m, n] = w.shape, r = opts.rank
  const scaling = loraScaling(opts)
  const w64 = toF64(w)
  let omega: Mat<Float64Array>, psiT: Mat<Float64Array>
  if (opts.sketches !== undefined) {
    const { omega: o, psi: p } = opts.sketches
    if (o.shape[0] !== n || o.shape[1] !== r || p.shape[0] !== m || p.shape[1] !== r)
      throw new ShapeMismatch('nloraInit', 'sketches are Ω [in, r] and Ψ [out, r]', [...o.shape, ...p.shape], [n, r, m, r])
    omega = toF64(o); psiT = toF64(transpose(p))
  } else {
    if (opts.rng === undefined) throw new InvalidArgument('nloraInit', 'rng', 'pass { rng: seededRng(seed) } or explicit sketches')
    omega = zeros('f64', n, r); psiT = zeros('f64', r, m)
    for (let i = 0; i < omega.data.length; i++) omega.data[i] = opts.rng.normal()
    for (let i = 0; i < psiT.data.length; i++) psiT.data[i] = opts.rng.normal()
  }
  const b = zeros('f64', m, r); gemm(w64, omega, { out: b })
  const a = zeros('f64', r, n); gemm(psiT, w64, { out: a })
  const c = zeros('f64', r, r); gemm(a, omega, { out: c })
  // N = C⁺ / s via the SVD of C.
  const { u, s, vt } = svd(c, { mode: 'thin' })
  const cut = (opts.rcond ?? 1e-10) * s[0]!
  const N = zeros('f64', r, r)
  for (let k = 0; k < s.length; k++) {
    if (!(s[k]! > cut)) continue
    const g = 1 / (s[k]! * scaling)
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++)
      N.data[i * r + j] = N.data[i * r + j]! + vt.data[vt.offset + k * vt.stride[0] + i * vt.stride[1]]! * g * u.data[u.offset + j * u.stride[0] + k * u.stride[1]]!
  }
  const na = zeros('f64', r, n); gemm(N, a, { out: na })
  const res = Float64Array.from(w64.data)
  for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) {
    const g = scaling * b.data[i * r + k]!
    for (let j = 0; j < n; j++) res[i * n + j] = res[i * n + j]! - g * na.data[k * n + j]!
  }
  return { b: castLike(b, w), n: castLike(N, w), a: castLike(a, w), scaling, residual: castLike(matrix(res, m, n), w) }
}
