import { InvalidArgument, NotFinite } from './errors.js'

/** Singular values (descending, ≥ 0) as any numeric array: the `s` of {@link svd}, or a plain array. */
export type SingularValues = ArrayLike<number>

const checkValues = (op: string, s: SingularValues): void => {
  for (let i = 0; i < s.length; i++) {
    const v = s[i]!
    if (v - v !== 0) throw new NotFinite(op, 's', [i, 0], v)
    if (v < 0) throw new InvalidArgument(op, 's', `singular values must be ≥ 0, got s[${i}] = ${v}`)
  }
}

const maxOf = (s: SingularValues): number => { let m = 0; for (let i = 0; i < s.length; i++) m = Math.max(m, s[i]!); return m }

/** Σ (s_i/max)² over i ≥ from (f64, scaled against under/overflow, summed from the small end). */
const tailEnergy = (s: SingularValues, from: number): number => {
  const mx = maxOf(s)
  if (mx === 0) return 0
  let e = 0
  for (let i = s.length - 1; i >= from; i--) { const x = s[i]! / mx; e += x * x }
  return e
}

/**
 * Energy captured by the top `rank` singular values: Σ_{i<r} σᵢ² / Σ σᵢ² (= 1 − ‖A − A_r‖²_F/‖A‖²_F).
 * 1 for an all-zero spectrum.
 * @example energyRatio([3, 4], { rank: 1 })  // 9/25 = 0.36
 * @since 0.1.0  @category spectral
 */
export const energyRatio = (s: SingularValues, opts: { readonly rank: number }): number => {
  checkValues('energyRatio', s)
  if (!Number.isInteger(opts.rank) || opts.rank < 0) throw new InvalidArgument('energyRatio', 'rank', `must be an integer ≥ 0, got ${opts.rank}`)
  const total = tailEnergy(s, 0)
  if (total === 0) return 1
  return Math.min(1, Math.max(0, 1 - tailEnergy(s, Math.min(opts.rank, s.length)) / total))
}

/**
 * Effective rank (Roy & Vetterli, "The effective rank", EUSIPCO 2007): exp(H(p)), pᵢ = σᵢ / Σσ, H the
 * Shannon entropy (nats). Between 1 and the number of non-zero σ; 0 for an all-zero spectrum.
 * @example effectiveRank([1, 1, 1, 1])  // 4
 * @since 0.1.0  @category spectral
 */
export const effectiveRank = (s: SingularValues): number => {
  checkValues('effectiveRank', s)
  let total = 0
  for (let i = 0; i < s.length; i++) total += s[i]!
  if (total === 0) return 0
  let h = 0
  for (let i = 0; i < s.length; i++) { const p = s[i]! / total; if (p > 0) h -= p * Math.log(p) }
  return Math.exp(h)
}

/**
 * Stable rank ‖A‖²_F / ‖A‖²₂ = Σσᵢ² / σ₁² (Rudelson & Vershynin). 0 for an all-zero spectrum.
 * @example stableRank([2, 1])  // 1.25
 * @since 0.1.0  @category spectral
 */
export const stableRank = (s: SingularValues): number => {
  checkValues('stableRank', s)
  return tailEnergy(s, 0)
}

/**
 * Nuclear (trace) norm ‖A‖_* = Σσᵢ.
 * @example nuclearNorm([3, 2, 1])  // 6
 * @since 0.1.0  @category spectral
 */
export const nuclearNorm = (s: SingularValues): number => {
  checkValues('nuclearNorm', s)
  let t = 0
  for (let i = s.length - 1; i >= 0; i--) t += s[i]!
  return t
}

/** How {@link selectRank} chooses: `energy`: smallest r with energyRatio ≥ threshold; `frobenius`:
 *  smallest r with ‖A − A_r‖_F/‖A‖_F ≤ maxError; `ratio`: number of σᵢ ≥ minRatio·σ₁; `elbow`: the
 *  number of values before the point of the σ curve farthest from the chord joining its ends
 *  (Kneedle-style; at least 1).
 *  @since 0.1.0  @category spectral */
export type SelectRankOptions =
  | { readonly method: 'energy'; readonly threshold: number }
  | { readonly method: 'frobenius'; readonly maxError: number }
  | { readonly method: 'ratio'; readonly minRatio: number }
  | { readonly method: 'elbow' }

/**
 * Chooses a truncation rank from singular values (descending). Returns r in [0, s.length]; 0 only for
 * an all-zero or empty spectrum.
 * @example
 * selectRank([10, 5, 1, 0.1], { method: 'energy', threshold: 0.99 })   // 2
 * selectRank([10, 5, 1, 0.1], { method: 'ratio', minRatio: 0.05 })     // 3
 * @since 0.1.0  @category spectral
 */
export const selectRank = (s: SingularValues, opts: SelectRankOptions): number => {
  const op = 'selectRank'
  checkValues(op, s)
  for (let i = 1; i < s.length; i++) if (s[i]! > s[i - 1]!) throw new InvalidArgument(op, 's', `singular values must be descending; s[${i}] = ${s[i]} > s[${i - 1}] = ${s[i - 1]}`)
  const n = s.length
  const total = tailEnergy(s, 0)
  if (n === 0 || total === 0) return 0
  switch (opts.method) {
    case 'energy': {
      if (!(opts.threshold >= 0 && opts.threshold <= 1)) throw new InvalidArgument(op, 'threshold', `must be in [0, 1], got ${opts.threshold}`)
      for (let r = 0; r <= n; r++) if (1 - tailEnergy(s, r) / total >= opts.threshold) return r
      return n
    }
    case 'frobenius': {
      if (!(opts.maxError >= 0)) throw new InvalidArgument(op, 'maxError', `must be ≥ 0, got ${opts.maxError}`)
      // tail energies from the end: O(n)
      let tail = 0, r = n
      const mx = s[0]!
      for (let i = n - 1; i >= 0; i--) {
        tail += (s[i]! / mx) ** 2
        if (Math.sqrt(tail / total) <= opts.maxError) r = i
        else break
      }
      return r
    }
    case 'ratio': {
      if (!(opts.minRatio >= 0)) throw new InvalidArgument(op, 'minRatio', `must be ≥ 0, got ${opts.minRatio}`)
      let r = 0
      while (r < n && s[r]! >= opts.minRatio * s[0]!) r++
      return r
    }
    case 'elbow': {
      if (n <= 2) return 1
      const x0 = 0, y0 = s[0]!, x1 = n - 1, y1 = s[n - 1]!
      const dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy)
      let best = 0, bestD = -1
      for (let i = 0; i < n; i++) {
        const d = Math.abs(dy * (i - x0) - dx * (s[i]! - y0)) / len
        if (d > bestD) { bestD = d; best = i }
      }
      return Math.max(1, best)   // the values before the elbow point
    }
    default: {
      const never: never = opts
      throw new InvalidArgument(op, 'method', `unknown method ${JSON.stringify(never)}; use energy | frobenius | ratio | elbow`)
    }
  }
}
