/** Shared core of the data-aware truncated SVDs (weighted / whitened / scaled). @internal */
import { InvalidArgument } from '../errors.js'
import type { Float, Mat } from '../mat.js'
import { allocLike } from './validate.js'
import { randomizedSvd } from '../randomizedSvd.js'
import type { Rng } from '../seededRng.js'
import { svdUnchecked, type Svd } from '../svd.js'

/** How the truncated SVD of the transformed matrix is computed.  @since 0.1.0  @category compression */
export type TruncatedSolver =
  | { readonly kind: 'exact' }
  | { readonly kind: 'randomized'; readonly oversample?: number; readonly powerIters?: number; readonly rng?: Rng }

/** Options shared by weightedSvd, whitenedSvd and scaledSvd.  @since 0.1.0  @category compression */
export interface TruncatedSvdOptions {
  /** Rank r of the factors, 1 ≤ r ≤ min(m, n). */
  readonly rank: number
  /** Where Σ goes: 'balanced' u·√Σ and √Σ·v (SVD-LLM), 'left' u·Σ, 'right' Σ·v.  @default 'balanced' */
  readonly split?: 'balanced' | 'left' | 'right'
  /** Exact (bidiagonal QR) or randomized (Halko) SVD of the transformed matrix.  @default { kind: 'exact' } */
  readonly solver?: TruncatedSolver
  /** Check inputs for NaN/Inf first.  @default true */
  readonly checkFinite?: boolean
}

/** u [m, r], v [r, n] with u·v = the compressed matrix in the ORIGINAL space; s [r] = singular values of
 *  the transformed (weighted / whitened / scaled) matrix.  @since 0.1.0  @category compression */
export interface TruncatedFactors<T extends Float = Float> { readonly u: Mat<T>; readonly v: Mat<T>; readonly s: T }

export const checkRank = (op: string, rank: number, m: number, n: number): void => {
  if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(m, n))
    throw new InvalidArgument(op, 'rank', `must be an integer in [1, min(m, n) = ${Math.min(m, n)}] for shape [${m}, ${n}], got ${rank}`)
}

/** Top-r SVD of a validated f64 matrix; returns f64 U_r [m, r] (row-major), s [r], Vt_r [r, n]. */
export const topSvd = (op: string, mw: Mat<Float64Array>, rank: number, solver: TruncatedSolver | undefined): { u: Float64Array; s: Float64Array; vt: Float64Array } => {
  const [m, n] = mw.shape
  let r: Svd<Float64Array>
  if (!solver || solver.kind === 'exact') r = svdUnchecked(mw, 'thin', op) as Svd<Float64Array>
  else {
    const o: { rank: number; oversample?: number; powerIters?: number; rng?: Rng; checkFinite: boolean } = { rank, checkFinite: false }
    if (solver.oversample !== undefined) o.oversample = solver.oversample
    if (solver.powerIters !== undefined) o.powerIters = solver.powerIters
    if (solver.rng !== undefined) o.rng = solver.rng
    r = randomizedSvd(mw, o)
  }
  const k = r.u.shape[1]
  const u = new Float64Array(m * rank), vt = new Float64Array(rank * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < rank; j++) u[i * rank + j] = r.u.data[i * k + j]!
  vt.set(r.vt.data.subarray(0, rank * n))
  return { u, s: r.s.slice(0, rank), vt }
}

/** Exponents of Σ on the left and right factor for a split. */
export const splitPowers = (split: 'balanced' | 'left' | 'right' | undefined): [number, number] =>
  split === 'left' ? [1, 0] : split === 'right' ? [0, 1] : [0.5, 0.5]

/** SVD of the transformed W·S, then maps back: v = Σ^p·V_rᵀ·S⁻¹ via `unwhiten`. @internal */
export const finishWhitened = <T extends Float>(op: string, W: Mat<T>, ws: Float64Array, m: number, n: number,
  opts: TruncatedSvdOptions, unwhiten: (z: Float64Array, r: number) => void): TruncatedFactors<T> => {
  const r = opts.rank
  const { u, s, vt } = topSvd(op, { data: ws, shape: [m, n], stride: [n, 1], offset: 0 }, r, opts.solver)
  unwhiten(vt, r)
  const [pl, pr] = splitPowers(opts.split)
  const U = allocLike(W, m * r), V = allocLike(W, r * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) U[i * r + j] = u[i * r + j]! * s[j]! ** pl
  for (let i = 0; i < r; i++) for (let j = 0; j < n; j++) V[i * n + j] = vt[i * n + j]! * s[i]! ** pr
  const sOut = allocLike(W, r); sOut.set(s)
  const mat = (data: T, rows: number, cols: number): Mat<T> => ({ data, shape: [rows, cols], stride: [cols, 1], offset: 0 })
  return { u: mat(U, m, r), v: mat(V, r, n), s: sOut }
}
