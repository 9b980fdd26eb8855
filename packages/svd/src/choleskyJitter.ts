import { InvalidArgument, NotPositiveDefinite } from './errors.js'
import { choleskyKernel, lowerToF64 } from './internal/choleskyKernel.js'
import { dual, isMatArg } from './internal/dual.js'
import { assertFinite, assertSquare, fromWork, toMat } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'

/** Options of {@link choleskyJitter}.  @since 0.1.0  @category decompositions */
export interface CholeskyJitterOptions {
  /** First non-zero jitter tried.  @default ε·mean|diag A| (ε = 2⁻⁵² f64, 2⁻²³ f32; 1 if the diagonal is 0) */
  readonly initial?: number
  /** Ratio between successive jitters.  @default 10 */
  readonly factor?: number
  /** Non-zero jitters tried after the plain factorization fails.  @default 20 */
  readonly maxTries?: number
  /** Check the input for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}
/** L with A + jitter·I = L·Lᵀ; jitter = 0 when A itself is positive definite.
 *  @since 0.1.0  @category decompositions */
export interface CholeskyJitter<T extends Float = Float> { readonly l: Mat<T>; readonly jitter: number; readonly tries: number }

const impl = <T extends Float>(a: MatLike<T>, opts: CholeskyJitterOptions | undefined): CholeskyJitter<T> => {
  const op = 'choleskyJitter'
  const A = toMat(a, op, 'a')
  assertSquare(A, op, 'a')
  if (opts?.checkFinite !== false) assertFinite(A, op, 'a')
  const n = A.shape[0]
  const factor = opts?.factor ?? 10, maxTries = opts?.maxTries ?? 20
  if (!(factor > 1)) throw new InvalidArgument(op, 'factor', `must be > 1, got ${factor}`)
  if (!Number.isInteger(maxTries) || maxTries < 0) throw new InvalidArgument(op, 'maxTries', `must be an integer ≥ 0, got ${maxTries}`)
  let meanDiag = 0
  for (let i = 0; i < n; i++) meanDiag += Math.abs(A.data[A.offset + i * (A.stride[0] + A.stride[1])]!)
  meanDiag = n > 0 ? meanDiag / n : 0
  const eps = A.data instanceof Float32Array ? 2 ** -23 : 2 ** -52
  const initial = opts?.initial ?? eps * (meanDiag > 0 ? meanDiag : 1)
  if (!(initial > 0)) throw new InvalidArgument(op, 'initial', `must be > 0, got ${initial}`)
  const bad = new Float64Array(1)
  let jitter = 0, lastPivot = -1
  for (let t = 0; t <= maxTries; t++) {
    jitter = t === 0 ? 0 : initial * factor ** (t - 1)
    const w = lowerToF64(A, jitter)
    lastPivot = choleskyKernel(n, w, bad)
    if (lastPivot < 0) return { l: fromWork(A, w, n, n, { transposed: false, scale: 1 }), jitter, tries: t }
  }
  throw new NotPositiveDefinite(op, 'a', lastPivot, bad[0]!)
}

/** Signature of {@link choleskyJitter}. */
export interface CholeskyJitterFn {
  <T extends Float>(a: MatLike<T>, opts?: CholeskyJitterOptions): CholeskyJitter<T>
  (opts: CholeskyJitterOptions): <T extends Float>(a: MatLike<T>) => CholeskyJitter<T>
}

/**
 * Cholesky of a nearly singular covariance: tries A, then A + j·I for j = initial·factorᵏ
 * (k = 0 … maxTries − 1) and returns the first (smallest on that ladder) jitter that succeeds, with
 * its L. f32|f64, dtype follows a. Still failing → NotPositiveDefinite (the matrix is indefinite).
 * @example
 * import { choleskyJitter, matrix } from '@lr/svd'
 * const { l, jitter } = choleskyJitter(matrix(new Float64Array([1, 1, 1, 1]), 2, 2))  // jitter > 0
 * @since 0.1.0  @category decompositions
 */
export const choleskyJitter: CholeskyJitterFn = dual(impl, isMatArg) as unknown as CholeskyJitterFn
