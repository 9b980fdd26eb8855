import { InvalidArgument, matrix, type Mat } from '@lr/svd'
import type { LoraInit } from '../types.js'
import type { InitOptions } from '../lora/initOptions.js'
import { loraScaling } from '../lora/loraScaling.js'
import type { EvaComponents } from './evaComponents.js'

/** Options of `evaInit`.  @since 0.1.0  @category inits */
export interface EvaInitOptions extends InitOptions {
  /** B's rows. */
  readonly outFeatures: number
  /** Divide each component by √λ (PEFT `eva_config.whiten`). @default false */
  readonly whiten?: boolean
  /** dtype of A and B. @default 'f32' */
  readonly dtype?: 'f32' | 'f64'
}

/**
 * EVA init (explained variance adaptation): A = the r leading right singular vectors of the layer's input
 * activations (eigenvectors of Σ x·xᵀ, from `evaComponents`) `[r, in]`, B = 0 `[out, r]`; the base is
 * unchanged. Ranks come from `evaRankDistribution`. Paper: EVA, arXiv:2410.07170.
 * Equals PEFT `init_lora_weights="eva"` up to the sign of each component and centring (see evaComponents).
 * @example const { a, b } = evaInit(evaComponents(cov, { maxComponents: 16 }), { rank: 8, outFeatures: 256 })
 * @since 0.1.0  @category inits
 */
export const evaInit = (components: EvaComponents, opts: EvaInitOptions): LoraInit => {
  const { rank: r, outFeatures: m } = opts
  const [k, n] = components.vectors.shape
  if (!Number.isInteger(r) || r < 1 || r > k)
    throw new InvalidArgument('evaInit', 'rank', `rank ${r} needs ${r} components but ${k} were computed; compute at least ${r} with evaComponents`)
  const isF64 = opts.dtype === 'f64'
  const a = isF64 ? new Float64Array(r * n) : new Float32Array(r * n)
  for (let t = 0; t < r; t++) {
    const g = opts.whiten === true ? 1 / Math.sqrt(Math.max(components.eigenvalues[t]!, Number.MIN_VALUE)) : 1
    for (let j = 0; j < n; j++) a[t * n + j] = g * components.vectors.data[t * n + j]!
  }
  const b = isF64 ? new Float64Array(m * r) : new Float32Array(m * r)
  return { a: matrix(a, r, n) as Mat, b: matrix(b, m, r) as Mat, scaling: loraScaling(opts) }
}
