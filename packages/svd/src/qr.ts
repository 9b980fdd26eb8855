import { dual, isMatArg } from './internal/dual.js'
import { extractR } from './internal/qrKernel.js'
import { formQBlocked as formQ, qrFactorBlocked as qrFactor } from './internal/blocked/qrBlocked.js'
import { assertFinite, copyToF64, fromWork, toMat } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'

/** Options of {@link qr}.  @since 0.1.0  @category decompositions */
export interface QrOptions {
  /** 'reduced': Q [m, k], R [k, n] (k = min(m, n)); 'complete': Q [m, m], R [m, n]; 'r': R [k, n] only
   *  (numpy.linalg.qr modes).  @default 'reduced' */
  readonly mode?: 'reduced' | 'complete' | 'r'
  /** Check the input for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}
/** Q (orthonormal columns) and R (upper trapezoidal) with A = Q·R.  @since 0.1.0  @category decompositions */
export interface Qr<T extends Float = Float> { readonly q: Mat<T>; readonly r: Mat<T> }
/** R alone (mode 'r').  @since 0.1.0  @category decompositions */
export interface QrR<T extends Float = Float> { readonly r: Mat<T> }

/** Signature of {@link qr}: data-first `qr(a, opts)` or data-last `pipe(a, qr(opts))`. */
export interface QrFn {
  <T extends Float>(a: MatLike<T>, opts: QrOptions & { readonly mode: 'r' }): QrR<T>
  <T extends Float>(a: MatLike<T>, opts?: QrOptions & { readonly mode?: 'reduced' | 'complete' }): Qr<T>
  (opts: QrOptions & { readonly mode: 'r' }): <T extends Float>(a: MatLike<T>) => QrR<T>
  (opts: QrOptions & { readonly mode?: 'reduced' | 'complete' }): <T extends Float>(a: MatLike<T>) => Qr<T>
}

const qrImpl = <T extends Float>(a: MatLike<T>, opts: QrOptions | undefined): Qr<T> | QrR<T> => {
  const A = toMat(a, 'qr', 'a')
  if (opts?.checkFinite !== false) assertFinite(A, 'qr', 'a')
  const mode = opts?.mode ?? 'reduced'
  const [m, n] = A.shape, k = Math.min(m, n)
  const w = copyToF64(A, { transposed: false, scale: 1 })
  const tau = qrFactor(m, n, w)
  const rRows = mode === 'complete' ? m : k
  const r = fromWork(A, extractR(m, n, w, rRows), rRows, n, { transposed: false, scale: 1 })
  if (mode === 'r') return { r }
  const qCols = mode === 'complete' ? m : k
  return { q: fromWork(A, formQ(m, n, w, tau, qCols), m, qCols, { transposed: false, scale: 1 }), r }
}

/**
 * Householder QR: A = Q·R. A [m, n] f32|f64 (dtype follows a); computed in f64 (LAPACK dgeqr2/dorg2r).
 * R's diagonal may be negative (as in LAPACK/numpy). Empty and rank-deficient inputs are fine.
 * @example
 * import { qr, matrix } from '@lr/svd'
 * const { q, r } = qr(matrix(new Float64Array([3, 1, 4, 2]), 2, 2))          // reduced
 * const { r: rOnly } = qr(matrix(new Float64Array([3, 1, 4, 2]), 2, 2), { mode: 'r' })
 * @since 0.1.0  @category decompositions
 */
export const qr: QrFn = dual(qrImpl, isMatArg) as unknown as QrFn
