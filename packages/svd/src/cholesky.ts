import { NotPositiveDefinite } from './errors.js'
import { choleskyKernel, lowerToF64 } from './internal/choleskyKernel.js'
import { dual, isMatArg } from './internal/dual.js'
import { assertFinite, assertSquare, fromWork, toMat } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'

/** Options of {@link cholesky}.  @since 0.1.0  @category decompositions */
export interface CholeskyOptions {
  /** Check the input for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}

const choleskyImpl = <T extends Float>(a: MatLike<T>, opts: CholeskyOptions | undefined): Mat<T> => {
  const A = toMat(a, 'cholesky', 'a')
  assertSquare(A, 'cholesky', 'a')
  if (opts?.checkFinite !== false) assertFinite(A, 'cholesky', 'a')
  const n = A.shape[0], w = lowerToF64(A, 0), bad = new Float64Array(1)
  const pivot = choleskyKernel(n, w, bad)
  if (pivot >= 0) throw new NotPositiveDefinite('cholesky', 'a', pivot, bad[0]!)
  return fromWork(A, w, n, n, { transposed: false, scale: 1 })
}

/** Signature of {@link cholesky}: `cholesky(a, opts?)` or `pipe(a, cholesky(opts))`. */
export interface CholeskyFn {
  <T extends Float>(a: MatLike<T>, opts?: CholeskyOptions): Mat<T>
  (opts: CholeskyOptions): <T extends Float>(a: MatLike<T>) => Mat<T>
}

/**
 * Cholesky factor: A = L·Lᵀ with L lower triangular [n, n], diagonal > 0. Reads only the lower
 * triangle of A (like LAPACK dpotrf 'L' / numpy). f32|f64, dtype follows a; computed in f64 (blocked,
 * trailing updates through the gemm seam). Not positive definite → NotPositiveDefinite naming the
 * pivot; see {@link choleskyJitter} for nearly singular covariances.
 * @example
 * import { cholesky, matrix } from '@lr/svd'
 * const l = cholesky(matrix(new Float64Array([4, 2, 2, 3]), 2, 2))   // [[2, 0], [1, √2]]
 * @since 0.1.0  @category decompositions
 */
export const cholesky: CholeskyFn = dual(choleskyImpl, isMatArg) as unknown as CholeskyFn
