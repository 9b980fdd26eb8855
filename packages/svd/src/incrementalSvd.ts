import { InvalidArgument, ShapeMismatch } from './errors.js'
import { gemmKernel } from './internal/gemmKernel.js'
import { formQ, qrFactor } from './internal/qrKernel.js'
import { assertFinite, copyToF64, fromWork, isF32, toMat } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'
import { svdUnchecked, type Svd } from './svd.js'

/** Options of {@link incrementalSvd} and {@link incrementalSvdUpdate}.  @since 0.1.0  @category decompositions */
export interface IncrementalSvdOptions {
  /** Number of singular triplets kept after each block. */
  readonly rank: number
  /** Check each block for NaN/Inf.  @default true */
  readonly checkFinite?: boolean
}

/** Running state: the top-`rank` SVD of all column blocks seen so far (f64 internally).
 *  @since 0.1.0  @category decompositions */
export interface IncrementalSvdState {
  readonly rows: number
  readonly cols: number
  readonly k: number
  readonly u: Float64Array      // [rows, k]
  readonly s: Float64Array      // [k]
  readonly vt: Float64Array     // [k, cols]
  readonly isF32: boolean
}

const gemm64 = (m: number, n: number, k: number, alpha: number, a: Float64Array, as0: number, as1: number, b: Float64Array, bs0: number, bs1: number, beta: number, c: Float64Array, cs0: number, cs1: number, co = 0): void =>
  gemmKernel(m, n, k, alpha, a, as0, as1, 0, b, bs0, bs1, 0, beta, c, cs0, cs1, co)

/**
 * One step of the incremental (concatenated-matrix) SVD of Brand ("Fast low-rank modifications of the
 * thin SVD", 2006): appends the column block C [m, c] to the matrix summarized by `state` and keeps the
 * top `rank` triplets. Projection onto span(U) is done twice (re-orthogonalization). Exact when the
 * concatenation has rank ≤ `rank`. Pure: returns a new state.
 * @example
 * import { incrementalSvdUpdate, matrix } from '@lr/svd'
 * let st = incrementalSvdUpdate(undefined, matrix(new Float64Array([1, 0, 0, 1]), 2, 2), { rank: 2 })
 * st = incrementalSvdUpdate(st, matrix(new Float64Array([1, 1]), 2, 1), { rank: 2 })   // st.cols = 3
 * @since 0.1.0  @category decompositions
 */
export const incrementalSvdUpdate = <T extends Float>(state: IncrementalSvdState | undefined, block: MatLike<T>, opts: IncrementalSvdOptions): IncrementalSvdState => {
  const op = 'incrementalSvd'
  const C = toMat(block, op, 'block')
  const [m, c] = C.shape
  if (!Number.isInteger(opts.rank) || opts.rank < 1) throw new InvalidArgument(op, 'rank', `must be an integer ≥ 1, got ${opts.rank}`)
  if (state && state.rows !== m) throw new ShapeMismatch(op, 'every block has the same number of rows', C.shape, [state.rows, state.cols])
  if (state && state.isF32 !== isF32(C)) throw new InvalidArgument(op, 'block', 'all blocks must share one dtype')
  if (opts.checkFinite !== false) assertFinite(C, op, 'block')
  const c64 = copyToF64(C, { transposed: false, scale: 1 })
  if (!state || state.k === 0) {
    const prevCols = state?.cols ?? 0
    const r = svdUnchecked({ data: c64, shape: [m, c], stride: [c, 1], offset: 0 }, 'thin', op) as Svd<Float64Array>
    const q = Math.min(m, c), k = Math.min(opts.rank, q)
    const u = new Float64Array(m * k), vt = new Float64Array(k * (prevCols + c))
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) u[i * k + j] = r.u.data[i * q + j]!
    for (let i = 0; i < k; i++) for (let j = 0; j < c; j++) vt[i * (prevCols + c) + prevCols + j] = r.vt.data[i * c + j]!
    return { rows: m, cols: prevCols + c, k, u, s: r.s.slice(0, k), vt, isF32: isF32(C) }
  }
  const { k, u: U, s: S, vt: Vt, cols: N } = state
  // L = Uᵀ·C, H = C − U·L, twice
  const L = new Float64Array(k * c), L2 = new Float64Array(k * c)
  gemm64(k, c, m, 1, U, 1, k, c64, c, 1, 0, L, c, 1)
  gemm64(m, c, k, -1, U, k, 1, L, c, 1, 1, c64, c, 1)
  gemm64(k, c, m, 1, U, 1, k, c64, c, 1, 0, L2, c, 1)
  gemm64(m, c, k, -1, U, k, 1, L2, c, 1, 1, c64, c, 1)
  for (let i = 0; i < k * c; i++) L[i] = L[i]! + L2[i]!
  const p = Math.min(m, c)
  const tau = qrFactor(m, c, c64)             // H = J·K
  const J = formQ(m, c, c64, tau, p)          // [m, p]
  // mid = [[diag(S), L], [0, K]]  [(k + p), (k + c)]
  const mr = k + p, mc = k + c
  const mid = new Float64Array(mr * mc)
  for (let i = 0; i < k; i++) { mid[i * mc + i] = S[i]!; for (let j = 0; j < c; j++) mid[i * mc + k + j] = L[i * c + j]! }
  for (let i = 0; i < p; i++) for (let j = i; j < c; j++) mid[(k + i) * mc + k + j] = c64[i * c + j]!
  const r = svdUnchecked({ data: mid, shape: [mr, mc], stride: [mc, 1], offset: 0 }, 'thin', op) as Svd<Float64Array>
  const q = Math.min(mr, mc), kn = Math.min(opts.rank, q)
  const um = r.u.data, vm = r.vt.data
  const Un = new Float64Array(m * kn)
  gemm64(m, kn, k, 1, U, k, 1, um, q, 1, 0, Un, kn, 1)                                   // U·Um[0:k, :kn]
  gemmKernel(m, kn, p, 1, J, p, 1, 0, um, q, 1, k * q, 1, Un, kn, 1, 0)                 // + J·Um[k:, :kn]
  const Nn = N + c
  const Vn = new Float64Array(kn * Nn)
  gemm64(kn, N, k, 1, vm, mc, 1, Vt, N, 1, 0, Vn, Nn, 1)                                // Vmᵀ[:kn, 0:k]·Vt
  for (let i = 0; i < kn; i++) for (let j = 0; j < c; j++) Vn[i * Nn + N + j] = vm[i * mc + k + j]!
  return { rows: m, cols: Nn, k: kn, u: Un, s: r.s.slice(0, kn), vt: Vn, isF32: state.isF32 }
}

/** The Svd of a state, in the dtype of its blocks.  @since 0.1.0  @category decompositions */
export const incrementalSvdResult = <T extends Float>(state: IncrementalSvdState): Svd<T> => {
  const like = (state.isF32 ? new Float32Array(0) : new Float64Array(0)) as T
  const s = (state.isF32 ? Float32Array.from(state.s) : Float64Array.from(state.s)) as T
  return {
    u: fromWork(like, state.u, state.rows, state.k, { transposed: false, scale: 1 }) as Mat<T>,
    s,
    vt: fromWork(like, state.vt, state.k, state.cols, { transposed: false, scale: 1 }) as Mat<T>,
  }
}

/**
 * Truncated SVD of the column concatenation [C₁ C₂ …] of blocks that arrive one at a time (e.g. per
 * calibration batch or per shard), keeping the top `rank` triplets after each block: memory O((m + N)·r).
 * Exact when the concatenation has rank ≤ `rank`; otherwise the standard incremental approximation.
 * Returns U [m, k], s [k], Vᵀ [k, N] (k ≤ rank); dtype follows the blocks.
 * @example
 * import { incrementalSvd, matrix } from '@lr/svd'
 * const blocks = [0, 1, 2].map((b) => matrix(Float64Array.from({ length: 8 * 4 }, (_, i) => Math.sin(i + b)), 8, 4))
 * const { u, s, vt } = incrementalSvd(blocks, { rank: 3 })   // vt [3, 12]
 * @since 0.1.0  @category decompositions
 */
export const incrementalSvd = <T extends Float>(blocks: Iterable<MatLike<T>>, opts: IncrementalSvdOptions): Svd<T> => {
  let st: IncrementalSvdState | undefined
  for (const b of blocks) st = incrementalSvdUpdate(st, b, opts)
  if (!st) throw new InvalidArgument('incrementalSvd', 'blocks', 'no blocks given')
  return incrementalSvdResult<T>(st)
}
