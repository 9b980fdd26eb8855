import { dual } from './internal/dual.js'
import { InvalidArgument, ShapeMismatch } from './errors.js'
import { assertFinite, allocLike, toMat } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'
import { svdUnchecked, type Svd } from './svd.js'

/** Shape of the left Kronecker factor B [m1, n1]; the right factor C is [m/m1, n/n1].
 *  @since 0.1.0  @category kronecker */
export interface KroneckerShape { readonly factorShape: readonly [m1: number, n1: number] }

const splitShape = (op: string, a: Mat, f: readonly [number, number]): [number, number, number, number] => {
  const [m, n] = a.shape, [m1, n1] = f
  if (!Number.isInteger(m1) || !Number.isInteger(n1) || m1 < 1 || n1 < 1 || m % m1 !== 0 || n % n1 !== 0)
    throw new ShapeMismatch(op, 'factorShape must divide the matrix shape', [m1, n1], [m, n])
  return [m1, n1, m / m1, n / n1]
}

/**
 * Van Loan–Pitsianis rearrangement R(A) [m1·n1, m2·n2]: row i1·n1 + j1 is the block A[i1·m2:(i1+1)·m2,
 * j1·n2:(j1+1)·n2] flattened row-major. ‖A − B⊗C‖_F = ‖R(A) − vec(B)·vec(C)ᵀ‖_F, so the nearest
 * Kronecker product is a rank-1 SVD problem. dtype follows a.
 * @example
 * import { kroneckerRearrange, matrix } from '@lr/svd'
 * const r = kroneckerRearrange(matrix(new Float64Array(16).fill(1), 4, 4), { factorShape: [2, 2] })  // [4, 4]
 * @since 0.1.0  @category kronecker
 */
export const kroneckerRearrange = <T extends Float>(a: MatLike<T>, opts: KroneckerShape): Mat<T> => {
  const A = toMat(a, 'kroneckerRearrange', 'a')
  const [m1, n1, m2, n2] = splitShape('kroneckerRearrange', A, opts.factorShape)
  const cols = m2 * n2, out = allocLike(A, m1 * n1 * cols)
  for (let i1 = 0; i1 < m1; i1++) for (let j1 = 0; j1 < n1; j1++) {
    const row = (i1 * n1 + j1) * cols
    for (let i2 = 0; i2 < m2; i2++) for (let j2 = 0; j2 < n2; j2++)
      out[row + i2 * n2 + j2] = A.data[A.offset + (i1 * m2 + i2) * A.stride[0] + (j1 * n2 + j2) * A.stride[1]]!
  }
  return { data: out, shape: [m1 * n1, cols], stride: [cols, 1], offset: 0 }
}

/**
 * Kronecker product B ⊗ C [m1·m2, n1·n2], (B⊗C)[i1·m2 + i2, j1·n2 + j2] = B[i1, j1]·C[i2, j2].
 * @example
 * import { kron, matrix } from '@lr/svd'
 * const k = kron(matrix(new Float64Array([1, 2]), 1, 2), matrix(new Float64Array([1, 0, 0, 1]), 2, 2))  // [2, 4]
 * @since 0.1.0  @category kronecker
 */
export const kron = <T extends Float>(b: MatLike<T>, c: MatLike<T>): Mat<T> => {
  const B = toMat(b, 'kron', 'b'), C = toMat(c, 'kron', 'c')
  const [m1, n1] = B.shape, [m2, n2] = C.shape
  const cols = n1 * n2, out = allocLike(B, m1 * m2 * cols)
  for (let i1 = 0; i1 < m1; i1++) for (let j1 = 0; j1 < n1; j1++) {
    const x = B.data[B.offset + i1 * B.stride[0] + j1 * B.stride[1]]!
    for (let i2 = 0; i2 < m2; i2++) for (let j2 = 0; j2 < n2; j2++)
      out[(i1 * m2 + i2) * cols + j1 * n2 + j2] = x * C.data[C.offset + i2 * C.stride[0] + j2 * C.stride[1]]!
  }
  return { data: out, shape: [m1 * m2, cols], stride: [cols, 1], offset: 0 }
}

/** Options of {@link kpsvd}.  @since 0.1.0  @category kronecker */
export interface KpsvdOptions extends KroneckerShape {
  /** Number of Kronecker terms.  @default min(m1·n1, m2·n2) */
  readonly rank?: number
  /** Check the input for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}
/** A ≈ Σₖ s[k]·b[k] ⊗ c[k] with ‖b[k]‖_F = ‖c[k]‖_F = 1, s descending.  @since 0.1.0  @category kronecker */
export interface Kpsvd<T extends Float = Float> { readonly s: T; readonly b: readonly Mat<T>[]; readonly c: readonly Mat<T>[] }

const kpsvdImpl = <T extends Float>(a: MatLike<T>, opts: KpsvdOptions): Kpsvd<T> => {
  const op = 'kpsvd'
  const A = toMat(a, op, 'a')
  const [m1, n1, m2, n2] = splitShape(op, A, opts.factorShape)
  if (opts.checkFinite !== false) assertFinite(A, op, 'a')
  const k = Math.min(m1 * n1, m2 * n2), r = opts.rank ?? k
  if (!Number.isInteger(r) || r < 1 || r > k) throw new InvalidArgument(op, 'rank', `must be an integer in [1, ${k}], got ${r}`)
  const R = kroneckerRearrange(A, opts)
  const { u, s, vt } = svdUnchecked(R, 'thin', op) as Svd<T>
  const bs: Mat<T>[] = [], cs: Mat<T>[] = []
  for (let t = 0; t < r; t++) {
    const bd = allocLike(A, m1 * n1), cd = allocLike(A, m2 * n2)
    for (let i = 0; i < m1 * n1; i++) bd[i] = u.data[i * k + t]!
    cd.set(vt.data.subarray(t * m2 * n2, (t + 1) * m2 * n2))
    bs.push({ data: bd, shape: [m1, n1], stride: [n1, 1], offset: 0 })
    cs.push({ data: cd, shape: [m2, n2], stride: [n2, 1], offset: 0 })
  }
  return { s: s.slice(0, r) as T, b: bs, c: cs }
}

/** Signature of {@link kpsvd}: `kpsvd(w, opts)` or `pipe(w, kpsvd(opts))`. */
export interface KpsvdFn {
  <T extends Float>(w: MatLike<T>, opts: KpsvdOptions): Kpsvd<T>
  <T extends Float>(opts: KpsvdOptions): (w: MatLike<T>) => Kpsvd<T>
}
/**
 * Kronecker product SVD (Van Loan & Pitsianis, "Approximation with Kronecker products", 1993): the SVD of
 * R(A) gives A = Σₖ sₖ·Bₖ ⊗ Cₖ exactly (all terms) and the best r-term Kronecker approximation in the
 * Frobenius norm (first r terms). Bₖ [m1, n1], Cₖ [m2, n2]. Used by the SoKA adapter init.
 * @example
 * import { kpsvd, kron, matrix } from '@lr/svd'
 * const a = kron(matrix(new Float64Array([1, 2, 3, 4]), 2, 2), matrix(new Float64Array([0, 1, 1, 0]), 2, 2))
 * const { s, b, c } = kpsvd(a, { factorShape: [2, 2], rank: 1 })   // s[0] = ‖A‖_F, A = s₀·b₀⊗c₀
 * @since 0.1.0  @category kronecker
 */
export const kpsvd: KpsvdFn = dual(kpsvdImpl, (args) => args.length >= 2) as unknown as KpsvdFn
