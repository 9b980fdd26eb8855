import { InvalidArgument, type Float, type Mat } from '@lr/svd'
import { assertFinite, assertIntIn, assertMat } from '../internal/validate.js'
import { toDense, toF32Mat, type Dense } from '../internal/linalg.js'
import { matrix } from '@lr/svd'

/** Validates w and rank; returns w as a dense f64 copy. @internal */
export const prepareWeight = (op: string, w: Mat, rank: number, checkFinite: boolean): Dense => {
  assertMat(w, op, 'w')
  const [m, n] = w.shape
  if (m < 1 || n < 1) throw new InvalidArgument(op, 'w', `empty weight [${m}, ${n}]`)
  assertIntIn(op, 'rank', rank, 1, Math.min(m, n))
  if (checkFinite) assertFinite(w, op, 'w')
  return toDense(w)
}

/** Converts an f64 result to the dtype of `like`. @internal */
export const asDtypeOf = <T extends Float>(like: Mat<T>, a: Dense): Mat<T> =>
  (like.data instanceof Float32Array ? toF32Mat(a) : matrix(a.data, a.rows, a.cols)) as Mat<T>

/** Validates a covariance Mat [n, n] and returns it dense. @internal */
export const prepareCovariance = (op: string, c: Mat): Dense => {
  assertMat(c, op, 'covariance')
  assertFinite(c, op, 'covariance')
  return toDense(c)
}
