import type { SvdSolver } from '../internal/linalg.js'
import { InvalidArgument, type Float, type Mat } from '@lr/svd'
import { asvdCompress } from './asvdCompress.js'
import { fwsvdCompress } from './fwsvdCompress.js'
import { svdCompress } from './svdCompress.js'
import { svdLlmCompress } from './svdLlmCompress.js'
import type { CompressMethod, LowRankFactors } from './types.js'

/** Options of {@link compressLinear}. */
export interface CompressLinearOptions {
  readonly method: CompressMethod
  /** kept rank r (see rankForRatio) */
  readonly rank: number
  /** Σ x·xᵀ of the layer's input [in, in]: required by svd-llm and asvd */
  readonly covariance?: Mat
  /** Fisher row importances [out]: required by fwsvd */
  readonly rowImportance?: Float
  /** ASVD exponent @default 0.5 */
  readonly alpha?: number
  /** SVD-LLM Cholesky ridge retries (0: a singular covariance is an error) @default 6 */
  readonly maxJitterTries?: number
  /** `exact` or `randomized` truncated SVD @default 'exact' */
  readonly solver?: SvdSolver
  /** @default true */
  readonly checkFinite?: boolean
}

/**
 * One entry point for the four compression methods: `svd` (svdCompress), `svd-llm` (svdLlmCompress), `asvd`
 * (asvdCompress), `fwsvd` (fwsvdCompress). w: Mat [out, in]; returns u [out, r], v [r, in] (dtype of w) and the
 * Cholesky ridge used (svd-llm; else 0).
 * @example const { u, v } = compressLinear(w, { method: 'svd-llm', rank: 64, covariance })
 * @since 0.1.0  @category compression
 */
export function compressLinear<T extends Float>(w: Mat<T>, opts: CompressLinearOptions): LowRankFactors<T> & { readonly jitter: number } {
  const base = { rank: opts.rank, ...(opts.checkFinite === undefined ? {} : { checkFinite: opts.checkFinite }), ...(opts.solver === undefined ? {} : { solver: opts.solver }) }
  switch (opts.method) {
    case 'svd': return { ...svdCompress(w, base), jitter: 0 }
    case 'svd-llm':
      if (!opts.covariance) throw new InvalidArgument('compressLinear', 'covariance', 'method svd-llm needs the input covariance (--calib)')
      return svdLlmCompress(w, opts.covariance, { ...base, ...(opts.maxJitterTries === undefined ? {} : { maxJitterTries: opts.maxJitterTries }) })
    case 'asvd':
      if (!opts.covariance) throw new InvalidArgument('compressLinear', 'covariance', 'method asvd needs the input covariance (--calib)')
      return { ...asvdCompress(w, opts.covariance, { ...base, ...(opts.alpha === undefined ? {} : { alpha: opts.alpha }) }), jitter: 0 }
    case 'fwsvd':
      if (!opts.rowImportance) throw new InvalidArgument('compressLinear', 'rowImportance', 'method fwsvd needs Fisher row importances (--fisher)')
      return { ...fwsvdCompress(w, opts.rowImportance, base), jitter: 0 }
    default: {
      const never: never = opts.method
      throw new InvalidArgument('compressLinear', 'method', `unknown method "${String(never)}"; use svd, svd-llm, asvd or fwsvd`)
    }
  }
}
