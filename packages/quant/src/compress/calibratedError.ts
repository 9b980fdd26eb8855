import { ShapeMismatch, type Mat } from '@lr/svd'
import { assertMat } from '../internal/validate.js'
import { toDense, matmul, type Dense } from '../internal/linalg.js'

/**
 * The calibrated reconstruction error tr(E·C·Eᵀ) = ‖E·X‖_F² with E = W − approx and C = Σ x·xᵀ = X·Xᵀ: the summed
 * squared error of the layer's outputs over the calibration tokens. Without covariance it is ‖E‖_F².
 * w, approx: Mat [out, in]; covariance: Mat [in, in]. Accumulates in f64.
 * @example const err = calibratedError(w, approx, cov)
 * @since 0.1.0  @category compression
 */
export function calibratedError(w: Mat, approx: Mat, covariance?: Mat): number {
  assertMat(w, 'calibratedError', 'w'); assertMat(approx, 'calibratedError', 'approx')
  if (w.shape[0] !== approx.shape[0] || w.shape[1] !== approx.shape[1]) throw new ShapeMismatch('calibratedError', 'w and approx have the same shape', w.shape, approx.shape)
  const a = toDense(w), b = toDense(approx)
  const e = new Float64Array(a.data.length)
  for (let i = 0; i < e.length; i++) e[i] = a.data[i]! - b.data[i]!
  const E: Dense = { data: e, rows: a.rows, cols: a.cols }
  if (!covariance) { let s = 0; for (const v of e) s += v * v; return s }
  assertMat(covariance, 'calibratedError', 'covariance')
  if (covariance.shape[0] !== a.cols || covariance.shape[1] !== a.cols) throw new ShapeMismatch('calibratedError', 'covariance is [in, in]', covariance.shape, w.shape)
  const ec = matmul(E, toDense(covariance))
  let s = 0
  for (let i = 0; i < e.length; i++) s += ec.data[i]! * e[i]!
  return s
}
