import { ShapeMismatch } from './errors.js'
import { gemmKernel } from './internal/gemmKernel.js'
import { assertFinite, assertNoAlias, assertSameDtype, toMat } from './internal/validate.js'
import { zerosLike, type Float, type Mat, type MatLike } from './mat.js'

/** Options of {@link gemm}.  @since 0.1.0  @category products */
export interface GemmOptions<T extends Float = Float> {
  /** Scale of the product.  @default 1 */
  readonly alpha?: number
  /** Scale of the previous contents of `out` (ignored without `out`; 0 ignores NaN in out, like BLAS).  @default 0 */
  readonly beta?: number
  /** Row-major or strided [m, n] result to write into (must not overlap a or b); returned. */
  readonly out?: Mat<T>
  /** Check a, b (and out when beta ≠ 0) for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}

/**
 * General matrix product C = α·A·B + β·out. A [m, k], B [k, n] → C [m, n]; f32|f64 (dtype follows a;
 * b and out must match). Transposes are free: pass `transpose(a)` (a view); any strides/offsets work.
 * Accumulates in f64. The hot loop is the kernel seam (src/internal/gemmKernel.ts).
 * @example
 * import { gemm, matrix, transpose } from '@lr/svd'
 * const a = matrix(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3)
 * const g = gemm(a, transpose(a))          // A·Aᵀ, [2, 2] = [[14, 32], [32, 77]]
 * @since 0.1.0  @category products
 */
export function gemm<T extends Float>(a: MatLike<T>, b: MatLike<T>, opts: GemmOptions<T> = {}): Mat<T> {
  const A = toMat(a, 'gemm', 'a'), B = toMat(b, 'gemm', 'b')
  assertSameDtype('gemm', ['a', 'b'], A, B)
  if (A.shape[1] !== B.shape[0]) throw new ShapeMismatch('gemm', 'a.cols = b.rows', A.shape, B.shape)
  const m = A.shape[0], n = B.shape[1], k = A.shape[1]
  const beta = opts.out ? opts.beta ?? 0 : 0
  let out: Mat<T>
  if (opts.out) {
    out = toMat(opts.out, 'gemm', 'out')
    assertSameDtype('gemm', ['a', 'out'], A, out)
    if (out.shape[0] !== m || out.shape[1] !== n) throw new ShapeMismatch('gemm', 'out = [a.rows, b.cols]', out.shape, [m, n])
    assertNoAlias('gemm', out, 'out', [A, 'a'], [B, 'b'])
  } else {
    out = zerosLike(A, m, n)
  }
  if (opts.checkFinite !== false) {
    assertFinite(A, 'gemm', 'a'); assertFinite(B, 'gemm', 'b')
    if (beta !== 0) assertFinite(out, 'gemm', 'out')
  }
  gemmKernel(m, n, k, opts.alpha ?? 1, A.data, A.stride[0], A.stride[1], A.offset, B.data, B.stride[0], B.stride[1], B.offset,
    beta, out.data, out.stride[0], out.stride[1], out.offset)
  return out
}
