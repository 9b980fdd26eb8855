import { InvalidArgument } from './errors.js'
import { dual, isMatArg } from './internal/dual.js'
import { extractR, formQ, qrPivotedFactor } from './internal/qrKernel.js'
import { assertFinite, copyToF64, fromWork, toMat } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'

/** Options of {@link qrPivoted}.  @since 0.1.0  @category decompositions */
export interface QrPivotedOptions {
  /** Keep only the first `rank` columns of Q and rows of R (truncated pivoted QR, as QR-LoRA uses).
   *  @default min(m, n) */
  readonly rank?: number
  /** Numerical-rank threshold relative to |R₀₀|: rank = #{i : |Rᵢᵢ| > tol·|R₀₀|}.
   *  @default max(m, n)·ε of the input dtype (2⁻⁵² for f64, 2⁻²³ for f32) */
  readonly tol?: number
  /** Check the input for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}
/** A[:, perm] = Q·R with |R₀₀| ≥ |R₁₁| ≥ …; `rank` is the numerical rank.
 *  @since 0.1.0  @category decompositions */
export interface QrPivoted<T extends Float = Float> {
  readonly q: Mat<T>
  readonly r: Mat<T>
  /** perm[j] = index in A of the j-th column of Q·R */
  readonly perm: Int32Array
  readonly rank: number
}

const qrPivotedImpl = <T extends Float>(a: MatLike<T>, opts: QrPivotedOptions | undefined): QrPivoted<T> => {
  const op = 'qrPivoted'
  const A = toMat(a, op, 'a')
  if (opts?.checkFinite !== false) assertFinite(A, op, 'a')
  const [m, n] = A.shape, k = Math.min(m, n)
  const keep = opts?.rank ?? k
  if (!Number.isInteger(keep) || keep < 0 || keep > k) throw new InvalidArgument(op, 'rank', `must be an integer in [0, ${k}], got ${keep}`)
  const eps = A.data instanceof Float32Array ? 2 ** -23 : 2 ** -52
  const tol = opts?.tol ?? Math.max(m, n) * eps
  if (!(tol >= 0)) throw new InvalidArgument(op, 'tol', `must be ≥ 0, got ${tol}`)
  const w = copyToF64(A, { transposed: false, scale: 1 })
  const { tau, perm } = qrPivotedFactor(m, n, w)
  const r00 = k > 0 ? Math.abs(w[0]!) : 0
  let rank = 0
  while (rank < k && Math.abs(w[rank * n + rank]!) > tol * r00) rank++
  return {
    q: fromWork(A, formQ(m, n, w, tau.subarray(0, keep), keep), m, keep, { transposed: false, scale: 1 }),
    r: fromWork(A, extractR(m, n, w, keep), keep, n, { transposed: false, scale: 1 }),
    perm,
    rank,
  }
}

/** Signature of {@link qrPivoted}. */
export interface QrPivotedFn {
  <T extends Float>(a: MatLike<T>, opts?: QrPivotedOptions): QrPivoted<T>
  (opts: QrPivotedOptions): <T extends Float>(a: MatLike<T>) => QrPivoted<T>
}

/**
 * QR with column pivoting (Businger–Golub; LAPACK dgeqp3 pivot rule with dlaqp2 norm downdating):
 * A·P = Q·R, |diag R| non-increasing, revealing the numerical rank. A [m, n] f32|f64 (dtype follows
 * a; computed in f64). Q [m, rank?], R [rank?, n]. Used by QR-LoRA to pick
 * an orthonormal basis of the most important columns.
 * @example
 * import { qrPivoted, matrix } from '@lr/svd'
 * const { q, r, perm, rank } = qrPivoted(matrix(new Float64Array([1, 2, 2, 4, 3, 6]), 3, 2))  // rank 1
 * @since 0.1.0  @category decompositions
 */
export const qrPivoted: QrPivotedFn = dual(qrPivotedImpl, isMatArg) as unknown as QrPivotedFn
