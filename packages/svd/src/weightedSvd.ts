import { dual } from './internal/dual.js'
import { InvalidArgument, ShapeMismatch } from './errors.js'
import { checkRank, splitPowers, topSvd, type TruncatedFactors, type TruncatedSvdOptions } from './internal/truncated.js'
import { allocLike, assertFinite, assertFiniteVec, toMat } from './internal/validate.js'
import type { Float, Mat, MatLike } from './mat.js'

/** Options of {@link weightedSvd}.  @since 0.1.0  @category compression */
export interface WeightedSvdOptions<T extends Float = Float> extends TruncatedSvdOptions {
  /** Importance of each output row [m], all > 0 (FWSVD: the row sums of the Fisher information). */
  readonly rowWeights: T | ArrayLike<number>
}

const weightedSvdImpl = <T extends Float>(w: MatLike<T>, opts: WeightedSvdOptions<T>): TruncatedFactors<T> => {
  const op = 'weightedSvd'
  const W = toMat(w, op, 'w')
  const [m, n] = W.shape
  checkRank(op, opts.rank, m, n)
  const rw = Float64Array.from(opts.rowWeights as ArrayLike<number>)
  if (rw.length !== m) throw new ShapeMismatch(op, 'rowWeights.length = w.rows', [rw.length], W.shape)
  if (opts.checkFinite !== false) { assertFinite(W, op, 'w'); assertFiniteVec(rw, op, 'rowWeights') }
  for (let i = 0; i < m; i++) if (!(rw[i]! > 0)) throw new InvalidArgument(op, 'rowWeights', `must all be > 0 (a zero weight leaves row ${i} undetermined), got ${rw[i]}`)
  const d = rw.map(Math.sqrt)
  const mw = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mw[i * n + j] = d[i]! * W.data[W.offset + i * W.stride[0] + j * W.stride[1]]!
  const r = opts.rank
  const { u, s, vt } = topSvd(op, { data: mw, shape: [m, n], stride: [n, 1], offset: 0 }, r, opts.solver)
  const [pl, pr] = splitPowers(opts.split)
  const U = allocLike(W, m * r), V = allocLike(W, r * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < r; j++) U[i * r + j] = (u[i * r + j]! * s[j]! ** pl) / d[i]!
  for (let i = 0; i < r; i++) for (let j = 0; j < n; j++) V[i * n + j] = vt[i * n + j]! * s[i]! ** pr
  const sOut = allocLike(W, r); sOut.set(s)
  const mat = (data: T, rows: number, cols: number): Mat<T> => ({ data, shape: [rows, cols], stride: [cols, 1], offset: 0 })
  return { u: mat(U, m, r), v: mat(V, r, n), s: sOut }
}

/** Signature of {@link weightedSvd}: `weightedSvd(w, opts)` or `pipe(w, weightedSvd(opts))`. */
export interface WeightedSvdFn {
  <T extends Float>(w: MatLike<T>, opts: WeightedSvdOptions<T>): TruncatedFactors<T>
  <T extends Float>(opts: WeightedSvdOptions<T>): (w: MatLike<T>) => TruncatedFactors<T>
}
/**
 * Row-weighted truncated SVD (FWSVD: Hsu et al., "Language model compression with weighted low-rank
 * factorization", ICLR 2022, arXiv:2207.00112): minimizes Σᵢ wᵢ‖Wᵢ − W'ᵢ‖² over rank-r W' via the SVD of
 * D·W, D = diag(√w): D·W ≈ U_r Σ_r V_rᵀ, W' = D⁻¹U_r Σ_r V_rᵀ. Returns u [m, r], v [r, n] with u·v = W'
 * (Σ split per `split`), and s = Σ_r. W [m, n] = [out, in], f32|f64; dtype follows w.
 * @example
 * import { weightedSvd, matrix } from '@lr/svd'
 * const w = matrix(Float64Array.from({ length: 12 }, (_, i) => Math.cos(i)), 4, 3)
 * const { u, v } = weightedSvd(w, { rank: 1, rowWeights: [1, 10, 1, 1] })   // u [4,1], v [1,3]
 * @since 0.1.0  @category compression
 */
export const weightedSvd: WeightedSvdFn = dual(weightedSvdImpl, (args) => args.length >= 2) as unknown as WeightedSvdFn
