import { svd, randomizedSvd, InvalidArgument, type Float, type Mat, type Rng } from '@lr/svd'
import { matrix } from '@lr/svd'
import type { LoraPair } from '../types.js'
import { selectLoraRank, type RankRule } from './selectLoraRank.js'

/** Options of `factorDelta` and `extractLora`.  @since 0.1.0  @category extract */
export interface FactorDeltaOptions {
  /** Rank (the upper bound for a dynamic rule). Capped at min(out, in), as mergekit and kohya do. */
  readonly rank: number
  /** Dynamic rank rule (kohya's sv_fro / sv_cumulative / sv_ratio, or energy). @default { kind: 'fixed' } */
  readonly rule?: RankRule
  /** SVD used: `exact`, `randomized` (rank + oversample columns, power iterations), or `auto`: randomized
   *  when both dimensions exceed 2048, as kohya's resize_lora. @default 'auto' */
  readonly svd?: 'auto' | 'exact' | 'randomized'
  /** Randomness for the randomized SVD (required when it runs). */
  readonly rng?: Rng
  /** Power iterations of the randomized SVD (kohya `svd_lowrank_niter`). @default 2 */
  readonly powerIters?: number
  /** Extra columns of the randomized SVD. @default rank (q = 2r, as kohya) */
  readonly oversample?: number
  /** How S is split: `balanced` A = √S Vᵀ, B = U √S (mergekit, PEFT PiSSA); `up` A = Vᵀ, B = U S (kohya). @default 'balanced' */
  readonly split?: 'balanced' | 'up'
  /** kohya's `clamp_quantile`: clamp A and B to ±(this quantile of their values). @default none (exact truncated SVD) */
  readonly clampQuantile?: number
}

/** A factored delta and how good it is.  @since 0.1.0  @category extract */
export interface FactoredDelta<T extends Float = Float> extends LoraPair<T> {
  /** The rank kept. */
  readonly rank: number
  /** The singular values the SVD computed (all of them for an exact SVD), descending. */
  readonly singularValues: Float64Array
  /** ‖M‖_F. */
  readonly norm: number
  /** ‖M − B·A‖_F / ‖M‖_F (0 for M = 0), from ‖M‖² − Σᵢ<r σᵢ² (exact for any orthogonal projection; also with clamping off). */
  readonly relativeError: number
}

const quantile = (xs: Float64Array, q: number): number => {
  const s = Float64Array.from(xs).sort()
  const pos = q * (s.length - 1), lo = Math.floor(pos), hi = Math.ceil(pos)
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo)
}

/**
 * Truncated SVD of one matrix M `[out, in]` (a weight delta) into a LoRA pair with scaling 1:
 * M ≈ B·A, A `[r, in]`, B `[out, r]`, r from `rank` or the dynamic `rule`. f32|f64; dtype follows M.
 * This is kohya's `extract_linear` / mergekit's `low_rank_decomposition` (Eckart–Young: the best
 * rank-r approximation in Frobenius norm).
 * @example const { a, b, relativeError } = factorDelta(delta, { rank: 16 })
 * @since 0.1.0  @category extract
 */
export const factorDelta = <T extends Float>(m: Mat<T>, opts: FactorDeltaOptions): FactoredDelta<T> => {
  const [rows, cols] = m.shape
  if (!Number.isInteger(opts.rank) || opts.rank < 1) throw new InvalidArgument('factorDelta', 'rank', `must be a positive integer, got ${opts.rank}`)
  const maxRank = Math.min(opts.rank, rows, cols)
  let norm2 = 0
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) { const v = m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!; norm2 += v * v }
  const mode = opts.svd ?? 'auto'
  const isRandomized = mode === 'randomized' || (mode === 'auto' && rows > 2048 && cols > 2048)
  if (isRandomized && opts.rule?.kind === 'cumulative')
    throw new InvalidArgument('factorDelta', 'rule', 'the cumulative rule needs every singular value: use { svd: "exact" } or the energy/frobenius rule')
  let u: Mat, s: ArrayLike<number>, vt: Mat
  if (isRandomized) {
    if (opts.rng === undefined) throw new InvalidArgument('factorDelta', 'rng', 'the randomized SVD needs an rng: pass { rng: seededRng(seed) }')
    const k = Math.min(maxRank, rows, cols)
    const r = randomizedSvd(m, { rank: k, oversample: Math.min(opts.oversample ?? k, Math.min(rows, cols) - k), powerIters: opts.powerIters ?? 2, rng: opts.rng })
    u = r.u; s = r.s; vt = r.vt
  } else {
    const r = svd(m, { mode: 'thin' })
    u = r.u; s = r.s; vt = r.vt
  }
  return factorFromSvd(m, { u, s, vt }, norm2, maxRank, opts)
}

/** @internal The part of `factorDelta` after the SVD (shared with `factorDeltaAsync`): rank selection, the S split,
 *  kohya's clamping and the error. `norm2` = ‖M‖²_F, `maxRank` = min(rank, rows, cols). */
export const factorFromSvd = <T extends Float>(m: Mat<T>, r: { readonly u: Mat; readonly s: ArrayLike<number>; readonly vt: Mat }, norm2: number, maxRank: number, opts: FactorDeltaOptions): FactoredDelta<T> => {
  const [rows, cols] = m.shape
  const { u, s, vt } = r
  const sv = Float64Array.from(s)
  const rank = selectLoraRank(sv, opts.rule ?? { kind: 'fixed' }, { maxRank, totalEnergy: norm2 })
  const isF32 = m.data instanceof Float32Array
  const a = isF32 ? new Float32Array(rank * cols) : new Float64Array(rank * cols)
  const b = isF32 ? new Float32Array(rows * rank) : new Float64Array(rows * rank)
  const isUp = opts.split === 'up'
  let kept = 0
  for (let k = 0; k < rank; k++) {
    const sk = sv[k]!
    kept += sk * sk
    const ga = isUp ? 1 : Math.sqrt(sk), gb = isUp ? sk : Math.sqrt(sk)
    for (let j = 0; j < cols; j++) a[k * cols + j] = ga * vt.data[vt.offset + k * vt.stride[0] + j * vt.stride[1]]!
    for (let i = 0; i < rows; i++) b[i * rank + k] = gb * u.data[u.offset + i * u.stride[0] + k * u.stride[1]]!
  }
  if (opts.clampQuantile !== undefined) {
    const q = opts.clampQuantile
    if (!(q > 0 && q <= 1)) throw new InvalidArgument('factorDelta', 'clampQuantile', `must be in (0, 1], got ${q}`)
    const all = new Float64Array(a.length + b.length)
    all.set(b, 0); all.set(a, b.length)
    const hi = quantile(all, q)
    for (const arr of [a, b]) for (let i = 0; i < arr.length; i++) arr[i] = Math.min(hi, Math.max(-hi, arr[i]!))
  }
  const relativeError = norm2 === 0 ? 0 : Math.sqrt(Math.max(0, norm2 - kept) / norm2)
  return { a: matrix(a, rank, cols) as Mat<T>, b: matrix(b, rows, rank) as Mat<T>, scaling: 1, rank, singularValues: sv, norm: Math.sqrt(norm2), relativeError }
}
