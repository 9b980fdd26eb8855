import { InvalidArgument } from '@lr/svd'

/**
 * How many singular components to keep. `fixed`: exactly `rank`. The dynamic rules are kohya
 * sd-scripts' `resize_lora.py` methods, with `rank` as the upper bound:
 * - `energy`: smallest k with Σᵢ<k σᵢ² ≥ `threshold` · ‖M‖²_F (fraction of squared Frobenius norm kept);
 * - `frobenius`: kohya `sv_fro`: √(Σᵢ<k σᵢ² / ‖M‖²_F) ≥ `threshold`;
 * - `cumulative`: kohya `sv_cumulative`: Σᵢ<k σᵢ / Σ σ ≥ `threshold` (needs every σ: exact SVD);
 * - `ratio`: kohya `sv_ratio`: keep σᵢ > σ₀ / `threshold`.
 * @since 0.1.0  @category extract
 */
export type RankRule =
  | { readonly kind: 'fixed' }
  | { readonly kind: 'energy'; readonly threshold: number }
  | { readonly kind: 'frobenius'; readonly threshold: number }
  | { readonly kind: 'cumulative'; readonly threshold: number }
  | { readonly kind: 'ratio'; readonly threshold: number }

/** σ₀ at or below this is a zero matrix: rank 1 (kohya `MIN_SV`). */
export const MIN_SINGULAR_VALUE = 1e-6

/** Options of `selectLoraRank`.  @since 0.1.0  @category extract */
export interface SelectLoraRankOptions {
  /** Upper bound on the rank (and the rank of the `fixed` rule). */
  readonly maxRank: number
  /** ‖M‖²_F when `s` holds only the leading σ (randomized SVD). @default Σ s² */
  readonly totalEnergy?: number
}

/** First index i with cum[i] ≥ target (torch.searchsorted, left). */
const searchSorted = (cum: Float64Array, target: number): number => {
  let lo = 0, hi = cum.length
  while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid]! < target) lo = mid + 1; else hi = mid }
  return lo
}

/**
 * The rank a rule gives for descending singular values `s`, exactly as kohya's `rank_resize`
 * (index + 1, clamped to 1..maxRank; a zero matrix gets rank 1).
 * @example selectLoraRank([4, 2, 1, 0.5], { kind: 'energy', threshold: 0.9 }, { maxRank: 4 }) // 2
 * @since 0.1.0  @category extract
 */
export const selectLoraRank = (s: ArrayLike<number>, rule: RankRule, opts: SelectLoraRankOptions): number => {
  const n = s.length
  const { maxRank } = opts
  if (!Number.isInteger(maxRank) || maxRank < 1) throw new InvalidArgument('selectLoraRank', 'maxRank', `must be a positive integer, got ${maxRank}`)
  if (rule.kind !== 'fixed' && !(rule.threshold > 0 && Number.isFinite(rule.threshold)))
    throw new InvalidArgument('selectLoraRank', 'threshold', `must be a positive number, got ${rule.threshold}`)
  if (n === 0 || s[0]! <= MIN_SINGULAR_VALUE) return 1
  let idx: number
  switch (rule.kind) {
    case 'fixed': return Math.min(maxRank, n)
    case 'energy': case 'frobenius': {
      const target = rule.kind === 'energy' ? rule.threshold : rule.threshold * rule.threshold
      let tot = 0
      const cum = new Float64Array(n)
      for (let i = 0; i < n; i++) { tot += s[i]! * s[i]!; cum[i] = tot }
      const total = opts.totalEnergy ?? tot
      for (let i = 0; i < n; i++) cum[i] = cum[i]! / total
      idx = searchSorted(cum, target)
      break
    }
    case 'cumulative': {
      let tot = 0
      const cum = new Float64Array(n)
      for (let i = 0; i < n; i++) { tot += s[i]!; cum[i] = tot }
      for (let i = 0; i < n; i++) cum[i] = cum[i]! / tot
      idx = searchSorted(cum, rule.threshold)
      break
    }
    case 'ratio': {
      const min = s[0]! / rule.threshold
      let count = 0
      for (let i = 0; i < n; i++) if (s[i]! > min) count++
      idx = count - 1
      break
    }
  }
  idx = Math.max(0, Math.min(idx, n - 1))
  return Math.max(1, Math.min(idx + 1, maxRank))
}
