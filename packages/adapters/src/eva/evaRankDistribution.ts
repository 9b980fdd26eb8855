import { InvalidArgument } from '@lr/svd'

/** Options of `evaRankDistribution`.  @since 0.1.0  @category inits */
export interface EvaRankDistributionOptions {
  /** The uniform rank r; the budget is r × (number of modules). */
  readonly rank: number
  /** Each module may get up to round(r·ρ) (PEFT `eva_config.rho`). @default 2 */
  readonly rho?: number
}

/**
 * EVA's rank redistribution (PEFT `_get_rank_distribution`): pool the first round(r·ρ) explained-variance
 * ratios of every module, take the r·(#modules) largest overall, and give each module as many as it won —
 * the same total budget as uniform rank r, moved to the layers whose inputs have the most structure.
 * Modules may get 0 (then they carry no adapter). Paper: EVA, arXiv:2410.07170.
 * @example const ranks = evaRankDistribution(new Map([['q', ratiosQ], ['v', ratiosV]]), { rank: 8 })
 * @since 0.1.0  @category inits
 */
export const evaRankDistribution = (ratios: ReadonlyMap<string, ArrayLike<number>>, opts: EvaRankDistributionOptions): Map<string, number> => {
  const { rank } = opts
  const rho = opts.rho ?? 2
  if (!Number.isInteger(rank) || rank < 1) throw new InvalidArgument('evaRankDistribution', 'rank', `must be a positive integer, got ${rank}`)
  if (!(rho >= 1)) throw new InvalidArgument('evaRankDistribution', 'rho', `must be ≥ 1, got ${rho}`)
  const maxComponents = Math.round(rank * rho)
  const pool: { key: string; v: number; order: number }[] = []
  let order = 0
  for (const [key, r] of ratios) for (let i = 0; i < Math.min(maxComponents, r.length); i++) pool.push({ key, v: r[i]!, order: order++ })
  pool.sort((x, y) => y.v - x.v || x.order - y.order)
  const budget = rank * ratios.size
  const counts = new Map<string, number>([...ratios.keys()].map((k) => [k, 0]))
  for (let i = 0; i < Math.min(budget, pool.length); i++) counts.set(pool[i]!.key, counts.get(pool[i]!.key)! + 1)
  return counts
}
