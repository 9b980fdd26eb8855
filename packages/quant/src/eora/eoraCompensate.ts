import { InvalidArgument, ShapeMismatch, matrix, type Float, type Mat } from '@lr/svd'
import { assertCovariance, eigSymDense, matmul, scaleCols, thinSvd, toDense, dense } from '../internal/linalg.js'
import { assertFinite, assertIntIn, assertMat } from '../internal/validate.js'
import { asDtypeOf, prepareCovariance } from '../compress/common.js'

/** The eigendecomposition C = Q·diag(values)·Qᵀ of an input covariance (values ascending, Q's columns the vectors),
 *  computed once by {@link covarianceEigen} and shared by the layers that read the same input (q/k/v, gate/up).
 *  @since 0.1.0  @category compression */
export interface CovarianceEigen { readonly values: Float64Array; readonly vectors: Mat<Float64Array> }

/**
 * Validates a covariance Σ x·xᵀ [n, n] (finite, symmetric) and returns its eigendecomposition for {@link eoraCompensate}.
 * @example const eig = covarianceEigen(cov); eoraCompensate(wq, dequantize(qq), eig, { rank: 16 })
 * @since 0.1.0  @category compression
 */
export function covarianceEigen(covariance: Mat): CovarianceEigen {
  const op = 'covarianceEigen'
  assertMat(covariance, op, 'covariance')
  const c = prepareCovariance(op, covariance)
  if (c.rows !== c.cols) throw new InvalidArgument(op, 'covariance', `must be square, got [${c.rows}, ${c.cols}]`)
  assertCovariance(op, 'covariance', c, c.rows)
  const { values, vectors } = eigSymDense(c)
  return { values, vectors: matrix(vectors.data, c.rows, c.rows) }
}

/** Options of {@link eoraCompensate}. */
export interface EoraCompensateOptions {
  /** rank r of the compensation branch, 1 ≤ r ≤ min(out, in) */
  readonly rank: number
  /** eigenvalues below floor·λ_max are raised to it before Λ^(−1/2) is applied @default 1e-10 */
  readonly eigenFloor?: number
}

/**
 * EoRA: a rank-r branch b·a that compensates the error E = W − approx of a compressed or quantized layer in the
 * eigenspace of its input: C = QΛQᵀ, E' = E·Q·Λ^(1/2), E' ≈ U_rΣ_rV_rᵀ, b = U_r·Σ_r [out, r],
 * a = V_rᵀ·Λ^(−1/2)·Qᵀ [r, in]. Minimises ‖(E − b·a)·X‖_F over rank r (C = X·Xᵀ). W ≈ approx + b·a.
 * w, approx: Mat [out, in]; covariance: Mat [in, in] or its {@link covarianceEigen}; dtype follows w. Paper: EoRA, arXiv:2410.21271.
 * @example const { b, a } = eoraCompensate(w, dequantize(q), cov, { rank: 16 })
 * @since 0.1.0  @category compression
 */
export function eoraCompensate<T extends Float>(w: Mat<T>, approx: Mat, covariance: Mat | CovarianceEigen, opts: EoraCompensateOptions): { readonly b: Mat<T>; readonly a: Mat<T> } {
  const op = 'eoraCompensate'
  assertMat(w, op, 'w'); assertMat(approx, op, 'approx')
  if (w.shape[0] !== approx.shape[0] || w.shape[1] !== approx.shape[1]) throw new ShapeMismatch(op, 'w and approx have the same shape', w.shape, approx.shape)
  const [m, n] = w.shape
  assertIntIn(op, 'rank', opts.rank, 1, Math.min(m, n))
  assertFinite(w, op, 'w'); assertFinite(approx, op, 'approx')
  const floor = opts.eigenFloor ?? 1e-10
  if (!(floor > 0 && floor < 1)) throw new InvalidArgument(op, 'eigenFloor', `${floor} is outside (0, 1)`)
  const eig = 'values' in covariance ? covariance : covarianceEigen(covariance)
  if (eig.values.length !== n || eig.vectors.shape[0] !== n || eig.vectors.shape[1] !== n)
    throw new ShapeMismatch(op, 'covariance is [in, in]', [eig.vectors.shape[0], eig.vectors.shape[1]], [m, n])
  const W = toDense(w), A = toDense(approx)
  const e = new Float64Array(m * n)
  for (let i = 0; i < e.length; i++) e[i] = W.data[i]! - A.data[i]!
  const values = eig.values, vectors = toDense(eig.vectors)
  const lmax = Math.max(values[n - 1]!, 0)
  if (!(lmax > 0)) throw new InvalidArgument(op, 'covariance', 'has no positive eigenvalue (all-zero calibration statistics)')
  const sq = new Float64Array(n), isq = new Float64Array(n)
  for (let k = 0; k < n; k++) { const l = Math.max(values[k]!, floor * lmax); sq[k] = Math.sqrt(l); isq[k] = 1 / sq[k]! }
  const proj = scaleCols(matmul(dense(e, m, n), vectors), sq) // E·Q·Λ^(1/2)
  const f = thinSvd(proj), r = opts.rank, k = f.u.cols
  const b = new Float64Array(m * r), vt = new Float64Array(r * n)
  for (let t = 0; t < r; t++) {
    for (let i = 0; i < m; i++) b[i * r + t] = f.u.data[i * k + t]! * f.s[t]!
    for (let j = 0; j < n; j++) vt[t * n + j] = f.vt.data[t * n + j]! * isq[j]!
  }
  // a = (V_rᵀ·Λ^(−1/2))·Qᵀ
  const a = new Float64Array(r * n), Q = vectors.data
  for (let t = 0; t < r; t++) for (let kk = 0; kk < n; kk++) {
    const coef = vt[t * n + kk]!
    if (coef === 0) continue
    for (let j = 0; j < n; j++) a[t * n + j] += coef * Q[j * n + kk]!
  }
  return { b: asDtypeOf(w, dense(b, m, r)), a: asDtypeOf(w, dense(a, r, n)) }
}
