import { kpsvd, kron, matrix, InvalidArgument, type Float, type Mat } from '@lr/svd'
import { assertWeight, castLike, toF64 } from '../internal/linalg.js'

/** How many Kronecker terms SoKA keeps.  @since 0.1.0  @category inits */
export type SokaRankRule =
  | { readonly kind: 'fixed'; readonly rank: number }
  /** Smallest r with Σᵢ<r σᵢ² ≥ threshold · Σ σᵢ² (energy of the Kronecker spectrum). */
  | { readonly kind: 'energy'; readonly threshold: number; readonly maxRank?: number }
  /** The elbow of the Kronecker spectrum: the index farthest from the chord joining (0, σ₀) and (k−1, σ_{k−1}). */
  | { readonly kind: 'elbow'; readonly maxRank?: number }

/** Options of `sokaInit`.  @since 0.1.0  @category inits */
export interface SokaInitOptions {
  /** Shape [m1, n1] of the left factors; must divide [out, in]. @default the largest divisors ≤ √out and ≤ √in */
  readonly factorShape?: readonly [number, number]
  /** @default { kind: 'energy', threshold: 0.9, maxRank: 16 } */
  readonly rule?: SokaRankRule
}

/** A SoKA init: ΔW = Σₖ Bₖ ⊗ Cₖ on the residual base.  @since 0.1.0  @category inits */
export interface SokaInit<T extends Float = Float> {
  /** Left factors Bₖ `[m1, n1]` (√σₖ folded in). */
  readonly b: readonly Mat<T>[]
  /** Right factors Cₖ `[out/m1, in/n1]` (√σₖ folded in). */
  readonly c: readonly Mat<T>[]
  /** The Kronecker singular values σₖ of the kept terms. */
  readonly s: Float64Array
  /** Terms kept. */
  readonly rank: number
  /** W − Σₖ Bₖ ⊗ Cₖ `[out, in]`. */
  readonly residual: Mat<T>
  readonly factorShape: readonly [number, number]
}

const largestDivisorAtMost = (n: number, cap: number): number => {
  for (let d = Math.floor(cap); d >= 1; d--) if (n % d === 0) return d
  return 1
}

/** Elbow (kneedle) of a descending sequence: the index with the largest distance below the chord. */
const elbow = (s: ArrayLike<number>): number => {
  const k = s.length
  if (k <= 2) return k
  const x0 = 0, y0 = s[0]!, x1 = k - 1, y1 = s[k - 1]!
  let best = 0, bestD = -Infinity
  for (let i = 0; i < k; i++) {
    const d = ((y1 - y0) * i - (x1 - x0) * s[i]! + x1 * y0 - y1 * x0) / Math.hypot(y1 - y0, x1 - x0)
    if (d > bestD) { bestD = d; best = i }
  }
  return best + 1
}

/**
 * SoKA init (SVD on Kronecker adaptation): the Van Loan–Pitsianis rearrangement R(W) `[m1·n1, m2·n2]` and its
 * SVD (@lr/svd `kpsvd`) give W = Σₖ σₖ Uₖ ⊗ Vₖ; the leading r terms (fixed, or chosen by the energy or elbow
 * of the σₖ) initialize the adapter ΔW = Σₖ Bₖ ⊗ Cₖ with Bₖ = √σₖ Uₖ `[m1, n1]`, Cₖ = √σₖ Vₖ `[m2, n2]`, and the
 * residual W − ΔW stays frozen (W at step 0). f32|f64; dtype follows w. Paper: SoKA, arXiv:2506.15251.
 * Key scheme (no PEFT format): `<module>.soka_B` `[r, m1, n1]`, `<module>.soka_C` `[r, m2, n2]` (docs/lora-init.md).
 * @example const { b, c, rank, residual } = sokaInit(w, { factorShape: [16, 16], rule: { kind: 'elbow', maxRank: 8 } })
 * @since 0.1.0  @category inits
 */
export const sokaInit = <T extends Float>(w: Mat<T>, opts: SokaInitOptions = {}): SokaInit<T> => {
  assertWeight('sokaInit', w, 1)
  const [m, n] = w.shape
  const factorShape: readonly [number, number] = opts.factorShape ?? [largestDivisorAtMost(m, Math.sqrt(m)), largestDivisorAtMost(n, Math.sqrt(n))]
  const w64 = toF64(w)
  const full = kpsvd(w64, { factorShape })
  const k = full.s.length
  const rule = opts.rule ?? { kind: 'energy', threshold: 0.9, maxRank: 16 }
  let r: number
  if (rule.kind === 'fixed') r = rule.rank
  else if (rule.kind === 'energy') {
    if (!(rule.threshold > 0 && rule.threshold <= 1)) throw new InvalidArgument('sokaInit', 'threshold', `must be in (0, 1], got ${rule.threshold}`)
    const tot = full.s.reduce((a, x) => a + x * x, 0)
    let acc = 0
    r = 0
    while (r < k && acc < rule.threshold * tot) { acc += full.s[r]! ** 2; r++ }
    r = Math.min(r, rule.maxRank ?? k)
  } else r = Math.min(elbow(full.s), rule.maxRank ?? k)
  if (!Number.isInteger(r) || r < 1 || r > k) throw new InvalidArgument('sokaInit', 'rank', `must be in 1..${k} for factor shape [${factorShape.join(', ')}], got ${r}`)
  const res = Float64Array.from(w64.data)
  const b: Mat<T>[] = [], c: Mat<T>[] = []
  for (let t = 0; t < r; t++) {
    const g = Math.sqrt(full.s[t]!)
    const bt = matrix(Float64Array.from(full.b[t]!.data, (x) => g * x), factorShape[0], factorShape[1])
    const ct = matrix(Float64Array.from(full.c[t]!.data, (x) => g * x), m / factorShape[0], n / factorShape[1])
    const term = kron(bt, ct)
    for (let i = 0; i < res.length; i++) res[i] = res[i]! - term.data[i]!
    b.push(castLike(bt, w)); c.push(castLike(ct, w))
  }
  return { b, c, s: Float64Array.from(full.s.slice(0, r)), rank: r, residual: castLike(matrix(res, m, n), w), factorShape }
}
