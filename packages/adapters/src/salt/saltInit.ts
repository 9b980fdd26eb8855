import { svd, matrix, type Float, type Mat, type Rng } from '@lr/svd'
import { assertWeight, castLike, toF64 } from '../internal/linalg.js'
import { InvalidArgument } from '@lr/svd'

/** Options of `saltInit`.  @since 0.1.0  @category inits */
export interface SaltInitOptions {
  /** Number of top singular values that get a trainable scale and shift. */
  readonly rank: number
  /** Rank of the LoRA on the remaining (minor) part. */
  readonly loraRank: number
  /** Randomness for the LoRA's A (kaiming-uniform). */
  readonly rng: Rng
}

/** A SALT init.  @since 0.1.0  @category inits */
export interface SaltInit<T extends Float = Float> {
  /** U_r `[out, r]`, σ_r `[r]`, V_rᵀ `[r, in]` of the top part (frozen). */
  readonly u: Mat<T>
  readonly s: T
  readonly vt: Mat<T>
  /** Trainable scale α `[r]` (1 at init) and shift β `[r]` (0 at init): σ′ = α ⊙ σ + β. */
  readonly scale: T
  readonly shift: T
  /** W_rest = W − U_r Σ_r V_rᵀ `[out, in]` (frozen), adapted by ΔW = B·A. */
  readonly rest: Mat<T>
  /** LoRA on the rest: A `[loraRank, in]` kaiming-uniform, B `[out, loraRank]` = 0. */
  readonly a: Mat<T>
  readonly b: Mat<T>
}

/**
 * SALT init (singular value adaptation with low-rank transformation): W = U Σ Vᵀ split into the top r
 * components, whose singular values get a trainable scale and shift (σ′ᵢ = αᵢσᵢ + βᵢ, α = 1, β = 0), and the
 * rest W_rest, adapted by a LoRA B·A (A kaiming-uniform, B = 0):
 * W′ = U_r diag(α ⊙ σ_r + β) V_rᵀ + W_rest + B·A, = W at init. f32|f64; dtype follows w.
 * Paper: SALT, arXiv:2503.16055. Key scheme: `<module>.salt_U`, `salt_S`, `salt_Vt`, `salt_scale`, `salt_shift`,
 * plus PEFT LoRA keys for A/B on the rest (docs/lora-init.md).
 * @example const init = saltInit(w, { rank: 8, loraRank: 4, rng: seededRng(0) })
 * @since 0.1.0  @category inits
 */
export const saltInit = <T extends Float>(w: Mat<T>, opts: SaltInitOptions): SaltInit<T> => {
  assertWeight('saltInit', w, opts.rank)
  const [m, n] = w.shape
  const { rank: r, loraRank: lr } = opts
  if (!Number.isInteger(lr) || lr < 1 || lr > Math.min(m, n)) throw new InvalidArgument('saltInit', 'loraRank', `must be in 1..${Math.min(m, n)}, got ${lr}`)
  const w64 = toF64(w)
  const { u, s, vt } = svd(w64, { mode: 'thin' })
  const U = new Float64Array(m * r), V = new Float64Array(r * n), S = new Float64Array(r)
  const rest = Float64Array.from(w64.data)
  for (let k = 0; k < r; k++) {
    S[k] = s[k]!
    for (let i = 0; i < m; i++) U[i * r + k] = u.data[u.offset + i * u.stride[0] + k * u.stride[1]]!
    for (let j = 0; j < n; j++) V[k * n + j] = vt.data[vt.offset + k * vt.stride[0] + j * vt.stride[1]]!
    for (let i = 0; i < m; i++) { const g = U[i * r + k]! * S[k]!; for (let j = 0; j < n; j++) rest[i * n + j] = rest[i * n + j]! - g * V[k * n + j]! }
  }
  const isF32 = w.data instanceof Float32Array
  const vec = (len: number, fill: number): T => ((isF32 ? new Float32Array(len) : new Float64Array(len)).fill(fill) as T)
  const a = isF32 ? new Float32Array(lr * n) : new Float64Array(lr * n)
  const bound = 1 / Math.sqrt(n)
  for (let i = 0; i < a.length; i++) a[i] = (2 * opts.rng.uniform() - 1) * bound
  const sOut = (isF32 ? Float32Array.from(S) : S) as T
  return {
    u: castLike(matrix(U, m, r), w), s: sOut, vt: castLike(matrix(V, r, n), w), scale: vec(r, 1), shift: vec(r, 0),
    rest: castLike(matrix(rest, m, n), w), a: matrix(a, lr, n) as Mat<T>, b: matrix(isF32 ? new Float32Array(m * lr) : new Float64Array(m * lr), m, lr) as Mat<T>,
  }
}
