import { dual, isMatArg } from './internal/dual.js'
import { svdKernel } from './internal/svdKernel.js'
import { bidiagWorkspace } from './internal/blocked/bidiagBlocked.js'
import { assertFinite, copyToF64, fromWork, maxAbs, pow2Scale, toMat, vecFromWork } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'

/** Options of {@link svd}.  @since 0.1.0  @category decompositions */
export interface SvdOptions {
  /** 'thin': U [m, k], Vᵀ [k, n] (k = min(m, n)); 'full': U [m, m], Vᵀ [n, n] (orthonormal completion);
   *  'values': singular values only (much faster).  @default 'thin' */
  readonly mode?: 'thin' | 'full' | 'values'
  /** Check the input for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}
/** A = U·diag(s)·Vᵀ with s descending, ≥ 0; U and V have orthonormal columns.
 *  @since 0.1.0  @category decompositions */
export interface Svd<T extends Float = Float> { readonly u: Mat<T>; readonly s: T; readonly vt: Mat<T> }
/** Singular values alone, descending.  @since 0.1.0  @category decompositions */
export interface SvdValues<T extends Float = Float> { readonly s: T }

/** Signature of {@link svd}: `svd(a, opts?)` or `pipe(a, svd(opts))`. */
export interface SvdFn {
  <T extends Float>(a: MatLike<T>, opts: SvdOptions & { readonly mode: 'values' }): SvdValues<T>
  <T extends Float>(a: MatLike<T>, opts?: SvdOptions & { readonly mode?: 'thin' | 'full' }): Svd<T>
  (opts: SvdOptions & { readonly mode: 'values' }): <T extends Float>(a: MatLike<T>) => SvdValues<T>
  (opts: SvdOptions & { readonly mode?: 'thin' | 'full' }): <T extends Float>(a: MatLike<T>) => Svd<T>
}

/** SVD of a validated Mat (no finiteness check). @internal */
export const svdUnchecked = <T extends Float>(A: Mat<T>, mode: 'thin' | 'full' | 'values', op = 'svd'): Svd<T> | SvdValues<T> => {
  const [m, n] = A.shape
  const tall = m >= n
  const M = tall ? m : n, N = tall ? n : m
  const sc = pow2Scale(maxAbs(A))
  // values only: the work array is the bidiagonalization's own workspace (reduced in place)
  const w = copyToF64(A, { transposed: !tall, scale: sc, out: mode === 'values' ? bidiagWorkspace(M, N) : undefined })
  const r = svdKernel(op, M, N, w, mode)
  const s = vecFromWork(A, r.s, 1 / sc)
  if (mode === 'values') return { s }
  const rows = mode === 'full' ? M : N
  // work: Aw [M, N] = Uw·S·Vwᵀ with ut = Uwᵀ [rows, M], vt = Vwᵀ [N, N]
  if (tall) {
    return {
      u: fromWork(A, r.ut!, m, rows, { transposed: true, scale: 1, srcCols: m }),
      s,
      vt: fromWork(A, r.vt!, n, n, { transposed: false, scale: 1 }),
    }
  }
  // A = Awᵀ = Vw·S·Uwᵀ: u = Vw [m, m], vt = Uwᵀ [rows, n]
  return {
    u: fromWork(A, r.vt!, m, m, { transposed: true, scale: 1, srcCols: m }),
    s,
    vt: fromWork(A, r.ut!, rows, n, { transposed: false, scale: 1 }),
  }
}

const svdImpl = <T extends Float>(a: MatLike<T>, opts: SvdOptions | undefined): Svd<T> | SvdValues<T> => {
  const A = toMat(a, 'svd', 'a')
  if (opts?.checkFinite !== false) assertFinite(A, 'svd', 'a')
  return svdUnchecked(A, opts?.mode ?? 'thin')
}

/**
 * Singular value decomposition A = U·diag(s)·Vᵀ. A [m, n] f32|f64 (dtype follows a; computed in f64).
 * s [k] descending and ≥ 0 (k = min(m, n)); thin: U [m, k], Vᵀ [k, n]; full: U [m, m], Vᵀ [n, n].
 * Householder bidiagonalization (LAPACK dgebrd), then for the vectors divide and conquer on the
 * bidiagonal (Gu–Eisenstat, LAPACK dbdsdc) with the reflectors applied blocked (dormbr), as numpy's
 * gesdd (k ≤ 25: implicit-shift bidiagonal QR, dbdsqr); `mode: 'values'` takes the bidiagonal's values
 * by dqds (LAPACK dlasq1), O(n²) and accurate to high relative precision for the bidiagonal.
 * Backward stable, |σ − σ_exact| = O(ε·σ₁). Zero, empty and rank-deficient inputs give zero
 * singular values with orthonormal U, V. NaN/Inf → NotFinite; a stalled iteration → NoConvergence.
 * @example
 * import { svd, matrix } from '@lr/svd'
 * const { u, s, vt } = svd(matrix(new Float64Array([3, 0, 0, -2]), 2, 2))   // s = [3, 2]
 * const { s: values } = svd(matrix(new Float32Array([1, 2, 3, 4, 5, 6]), 2, 3), { mode: 'values' })
 * @since 0.1.0  @category decompositions
 */
export const svd: SvdFn = dual(svdImpl, isMatArg) as unknown as SvdFn
