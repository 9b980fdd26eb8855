import { randomizedSvd, InvalidArgument, ShapeMismatch, matrix, gemm, transpose, zeros, type Float, type LinearOperator, type Mat, type Rng } from '@lr/svd'
import type { LoraPair } from '../types.js'
import { assertPair } from '../merge/loraDelta.js'
import { castLike, toF64 } from '../internal/linalg.js'

/** Options of `projectOutLora`.  @since 0.1.0  @category continual */
export interface ProjectOutLoraOptions {
  /** Dimension k of the protected subspace (top-k singular vectors of the stacked earlier updates). */
  readonly rank: number
  /** Which subspace: `input` (rows of A ⟂ top right singular vectors), `output` (columns of B ⟂ top left
   *  singular vectors), or `both`. @default 'input' */
  readonly side?: 'input' | 'output' | 'both'
  /** Randomness of the randomized SVD. */
  readonly rng: Rng
  /** Power iterations of the randomized SVD. @default 2 */
  readonly powerIters?: number
}

/**
 * Null-space projection of a new adapter away from earlier ones (Brainstacks-style continual learning):
 * the earlier updates ΔW_prev = Σⱼ sⱼBⱼAⱼ are seen as a LinearOperator (never densified); a randomized SVD
 * gives its top-k singular vectors U_k, V_k; then A′ = A·(I − V_k V_kᵀ) (input side) and/or
 * B′ = (I − U_k U_kᵀ)·B (output side), so the new ΔW′ = s·B′A′ acts only on directions the earlier
 * adapters do not use. f32|f64; dtype follows the new A.
 * Paper: Brainstacks (null-space projected adapter stacks), arXiv:2604.01152; randomized SVD: Halko et al., arXiv:0909.4061.
 * @example const safe = projectOutLora(next, [first, second], { rank: 32, rng: seededRng(0) })
 * @since 0.1.0  @category continual
 */
export const projectOutLora = <T extends Float>(next: LoraPair<T>, previous: readonly LoraPair[], opts: ProjectOutLoraOptions): LoraPair<T> => {
  assertPair('projectOutLora', next)
  if (previous.length === 0) throw new InvalidArgument('projectOutLora', 'previous', 'give at least one earlier adapter')
  const [m, n] = [next.b.shape[0], next.a.shape[1]]
  for (const p of previous) {
    assertPair('projectOutLora', p)
    if (p.b.shape[0] !== m || p.a.shape[1] !== n) throw new ShapeMismatch('projectOutLora', 'earlier adapters have the same [out, in]', [p.b.shape[0], p.a.shape[1]], [m, n])
  }
  const k = opts.rank
  if (!Number.isInteger(k) || k < 1 || k >= Math.min(m, n)) throw new InvalidArgument('projectOutLora', 'rank', `must be in 1..${Math.min(m, n) - 1}, got ${k}`)
  const prev = previous.map((p) => ({ a: toF64(p.a), b: toF64(p.b), s: p.scaling }))
  const op: LinearOperator<Float64Array> = {
    shape: [m, n], dtype: 'f64',
    matmul: (x: Mat<Float64Array>) => {
      const out = zeros('f64', m, x.shape[1])
      for (const p of prev) { const t = zeros('f64', p.a.shape[0], x.shape[1]); gemm(p.a, x, { out: t }); gemm(p.b, t, { alpha: p.s, beta: 1, out }) }
      return out
    },
    rmatmul: (y: Mat<Float64Array>) => {
      const out = zeros('f64', n, y.shape[1])
      for (const p of prev) { const t = zeros('f64', p.b.shape[1], y.shape[1]); gemm(transpose(p.b), y, { out: t }); gemm(transpose(p.a), t, { alpha: p.s, beta: 1, out }) }
      return out
    },
  }
  const { u, vt } = randomizedSvd(op, { rank: k, oversample: Math.min(10, Math.min(m, n) - k), powerIters: opts.powerIters ?? 2, rng: opts.rng }) as { u: Mat; vt: Mat }
  const side = opts.side ?? 'input'
  let a = toF64(next.a), b = toF64(next.b)
  if (side !== 'output') { // A′ = A − (A Vₖ) Vₖᵀ
    const av = zeros('f64', a.shape[0], k); gemm(a, transpose(vt), { out: av })
    gemm(av, vt, { alpha: -1, beta: 1, out: a })
  }
  if (side !== 'input') { // B′ = B − Uₖ (Uₖᵀ B)
    const ub = zeros('f64', k, b.shape[1]); gemm(transpose(u), b, { out: ub })
    gemm(u, ub, { alpha: -1, beta: 1, out: b })
  }
  return { a: castLike(matrix(a.data, a.shape[0], n), next.a), b: castLike(matrix(b.data, m, b.shape[1]), next.a), scaling: next.scaling }
}
