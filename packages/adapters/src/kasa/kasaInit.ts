import { svd, matrix, type Float, type Mat, type Rng } from '@lr/svd'
import type { InitOptions } from '../lora/initOptions.js'
import { loraScaling } from '../lora/loraScaling.js'
import { assertWeight, castLike, toF64 } from '../internal/linalg.js'

/** Options of `kasaInit`.  @since 0.1.0  @category inits */
export interface KasaInitOptions extends InitOptions {
  /** Randomness for A (kaiming-uniform) and the diagonal (standard normal). */
  readonly rng: Rng
}

/** A KaSA init: ΔW = s·B·diag(d)·A on the truncated base.  @since 0.1.0  @category inits */
export interface KasaInit<T extends Float = Float> {
  readonly a: Mat<T>
  readonly b: Mat<T>
  /** The trainable singular values of the update `[r]`. */
  readonly diag: T
  readonly scaling: number
  /** W with its r smallest singular components removed: U_{k−r} Σ_{k−r} V_{k−r}ᵀ `[out, in]`. */
  readonly residual: Mat<T>
}

/**
 * KaSA init (knowledge-aware singular-value adaptation): the base is truncated to its k − r principal
 * components (k = min(out, in)), dropping the r minor ones as task-irrelevant knowledge:
 * W_world = U_{:k−r} Σ_{k−r} V_{:k−r}ᵀ; the update is ΔW = s·B·diag(d)·A with A `[r, in]` kaiming-uniform
 * (U(−1/√in, 1/√in)), B `[out, r]` = 0 and d `[r]` ~ N(0, 1) (the trainable "singular values" of the update).
 * f32|f64; dtype follows w. Paper: KaSA, arXiv:2412.06071. Key scheme: PEFT LoRA keys plus
 * `<module>.lora_diag` [r] (docs/lora-init.md); the residual replaces `<module>.weight`.
 * @example const { a, b, diag, residual } = kasaInit(w, { rank: 8, rng: seededRng(0) })
 * @since 0.1.0  @category inits
 */
export const kasaInit = <T extends Float>(w: Mat<T>, opts: KasaInitOptions): KasaInit<T> => {
  assertWeight('kasaInit', w, opts.rank)
  const [m, n] = w.shape
  const r = opts.rank
  const { u, s, vt } = svd(toF64(w), { mode: 'thin' })
  const keep = s.length - r
  const res = new Float64Array(m * n)
  for (let k = 0; k < keep; k++) for (let i = 0; i < m; i++) {
    const g = u.data[u.offset + i * u.stride[0] + k * u.stride[1]]! * s[k]!
    for (let j = 0; j < n; j++) res[i * n + j] = res[i * n + j]! + g * vt.data[vt.offset + k * vt.stride[0] + j * vt.stride[1]]!
  }
  const isF32 = w.data instanceof Float32Array
  const a = isF32 ? new Float32Array(r * n) : new Float64Array(r * n)
  const bound = 1 / Math.sqrt(n)
  for (let i = 0; i < a.length; i++) a[i] = (2 * opts.rng.uniform() - 1) * bound
  const d = isF32 ? new Float32Array(r) : new Float64Array(r)
  for (let i = 0; i < r; i++) d[i] = opts.rng.normal()
  const b = isF32 ? new Float32Array(m * r) : new Float64Array(m * r)
  return { a: matrix(a, r, n) as Mat<T>, b: matrix(b, m, r) as Mat<T>, diag: d as T, scaling: loraScaling(opts), residual: castLike(matrix(res, m, n), w) }
}
