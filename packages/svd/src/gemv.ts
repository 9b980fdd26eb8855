import { ShapeMismatch } from './errors.js'
import { gemvKernel } from './internal/gemmKernel.js'
import { allocLike, assertFinite, assertNoAlias, assertFiniteVec, assertSameDtype, toMat } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'

/** Options of {@link gemv}.  @since 0.1.0  @category products */
export interface GemvOptions<T extends Float = Float> {
  /** Scale of the product.  @default 1 */
  readonly alpha?: number
  /** Scale of the previous contents of `out` (ignored without `out`).  @default 0 */
  readonly beta?: number
  /** Vector [m] to write into (must not be x); returned. */
  readonly out?: T
  /** Check a and x for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}

/**
 * Matrix–vector product y = α·A·x + β·out. A [m, n], x [n] → y [m]; f32|f64, dtype follows a.
 * Use `transpose(a)` for Aᵀ·x. Accumulates in f64.
 * @example
 * import { gemv, matrix } from '@lr/svd'
 * const y = gemv(matrix(new Float64Array([1, 2, 3, 4]), 2, 2), new Float64Array([1, 1]))  // [3, 7]
 * @since 0.1.0  @category products
 */
export function gemv<T extends Float>(a: MatLike<T>, x: T, opts: GemvOptions<T> = {}): T {
  const A = toMat(a, 'gemv', 'a')
  assertSameDtype('gemv', ['a', 'x'], A, x)
  const [m, n] = A.shape
  if (x.length !== n) throw new ShapeMismatch('gemv', 'a.cols = x.length', A.shape, [x.length])
  const out = opts.out ?? allocLike(A, m)
  if (opts.out) {
    assertSameDtype('gemv', ['a', 'out'], A, out)
    if (out.length !== m) throw new ShapeMismatch('gemv', 'out.length = a.rows', [out.length], A.shape)
    const asCol = (v: T): Mat<T> => ({ data: v, shape: [v.length, 1], stride: [1, 1], offset: 0 })
    assertNoAlias('gemv', asCol(out), 'out', [A, 'a'], [asCol(x), 'x'])
  }
  if (opts.checkFinite !== false) { assertFinite(A, 'gemv', 'a'); assertFiniteVec(x, 'gemv', 'x') }
  gemvKernel(m, n, opts.alpha ?? 1, A.data, A.stride[0], A.stride[1], A.offset, x, 1, 0, opts.out ? opts.beta ?? 0 : 0, out, 1, 0)
  return out
}
