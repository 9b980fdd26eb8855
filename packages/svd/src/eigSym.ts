import { dual, isMatArg } from './internal/dual.js'
import { eigSymKernel } from './internal/eigKernel.js'
import { assertFinite, assertSquare, fromWork, maxAbs, pow2Scale, toMat, vecFromWork } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'

/** Options of {@link eigSym}.  @since 0.1.0  @category decompositions */
export interface EigSymOptions {
  /** 'vectors': values and eigenvectors; 'values': values only (faster).  @default 'vectors' */
  readonly mode?: 'vectors' | 'values'
  /** Check the input for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}
/** Eigenvalues ascending and eigenvectors as the columns of `vectors`: A·V = V·diag(values).
 *  @since 0.1.0  @category decompositions */
export interface EigSym<T extends Float = Float> { readonly values: T; readonly vectors: Mat<T> }
/** Eigenvalues alone.  @since 0.1.0  @category decompositions */
export interface EigSymValues<T extends Float = Float> { readonly values: T }

/** Signature of {@link eigSym}. */
export interface EigSymFn {
  <T extends Float>(a: MatLike<T>, opts: EigSymOptions & { readonly mode: 'values' }): EigSymValues<T>
  <T extends Float>(a: MatLike<T>, opts?: EigSymOptions & { readonly mode?: 'vectors' }): EigSym<T>
  (opts: EigSymOptions & { readonly mode: 'values' }): <T extends Float>(a: MatLike<T>) => EigSymValues<T>
  (opts: EigSymOptions & { readonly mode?: 'vectors' }): <T extends Float>(a: MatLike<T>) => EigSym<T>
}

const eigSymImpl = <T extends Float>(a: MatLike<T>, opts: EigSymOptions | undefined): EigSym<T> | EigSymValues<T> => {
  const A = toMat(a, 'eigSym', 'a')
  assertSquare(A, 'eigSym', 'a')
  if (opts?.checkFinite !== false) assertFinite(A, 'eigSym', 'a')
  const n = A.shape[0]
  const sc = pow2Scale(maxAbs(A))
  const w = new Float64Array(n * n), d = A.data, [s0, s1] = A.stride
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    const v = d[A.offset + i * s0 + j * s1]! * sc
    w[i * n + j] = v; w[j * n + i] = v
  }
  const wantVectors = (opts?.mode ?? 'vectors') === 'vectors'
  const { values, vt } = eigSymKernel('eigSym', n, w, wantVectors)
  const vals = vecFromWork(A, values, 1 / sc)
  if (!vt) return { values: vals }
  return { values: vals, vectors: fromWork(A, vt, n, n, { transposed: true, scale: 1 }) }
}

/**
 * Symmetric eigendecomposition A = V·diag(λ)·Vᵀ, λ ascending (like numpy.linalg.eigh), V orthogonal
 * [n, n] (eigenvectors in columns). Reads the lower triangle of A only. f32|f64, dtype follows a;
 * computed in f64: blocked Householder tridiagonalization (LAPACK dsytrd), then implicit QL for values
 * only and n ≤ 25, else divide-and-conquer eigenvectors (bidiagonal D&C, Gu–Eisenstat, on the Cholesky
 * factor of the shifted tridiagonal) with the reflectors applied blocked. Backward stable: λ to
 * O(ε·‖A‖), V orthogonal to O(ε). NoConvergence if an iteration stalls.
 * @example
 * import { eigSym, matrix } from '@lr/svd'
 * const { values, vectors } = eigSym(matrix(new Float64Array([2, 1, 1, 2]), 2, 2))  // values [1, 3]
 * @since 0.1.0  @category decompositions
 */
export const eigSym: EigSymFn = dual(eigSymImpl, isMatArg) as unknown as EigSymFn
