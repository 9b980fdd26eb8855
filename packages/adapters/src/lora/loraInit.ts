import { matrix, InvalidArgument, type Rng } from '@lr/svd'
import type { LoraInit } from '../types.js'
import type { InitOptions } from './initOptions.js'
import { loraScaling } from './loraScaling.js'

/** Options of `loraInit` and `gaussianInit`.  @since 0.1.0  @category inits */
export interface RandomInitOptions extends InitOptions {
  /** Input features (A's columns). */
  readonly inFeatures: number
  /** Output features (B's rows). */
  readonly outFeatures: number
  /** Source of randomness (`seededRng(42)` from @lr/svd). */
  readonly rng: Rng
  /** dtype of A and B. @default 'f32' */
  readonly dtype?: 'f32' | 'f64'
}

const checkDims = (op: string, o: RandomInitOptions): void => {
  for (const k of ['inFeatures', 'outFeatures', 'rank'] as const)
    if (!Number.isInteger(o[k]) || o[k] < 1) throw new InvalidArgument(op, k, `must be a positive integer, got ${o[k]}`)
}

const alloc = (dtype: 'f32' | 'f64' | undefined, n: number): Float32Array | Float64Array => (dtype === 'f64' ? new Float64Array(n) : new Float32Array(n))

/**
 * The default LoRA init of PEFT (`init_lora_weights=True`), after Microsoft's loralib: A `[r, in]` drawn
 * kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in) (gain √(2/(1+a²)) · √(3/in)); B `[out, r]` = 0, so
 * ΔW = 0 at step 0. Scaling alpha/r or alpha/√r (rsLoRA). Paper: LoRA, arXiv:2106.09685.
 * @example const { a, b, scaling } = loraInit({ inFeatures: 256, outFeatures: 128, rank: 8, alpha: 16, rng: seededRng(42) })
 * @since 0.1.0  @category inits
 */
export const loraInit = (opts: RandomInitOptions): LoraInit => {
  checkDims('loraInit', opts)
  const { rank: r, inFeatures: n, outFeatures: m, rng } = opts
  const bound = 1 / Math.sqrt(n)
  const a = alloc(opts.dtype, r * n)
  for (let i = 0; i < a.length; i++) a[i] = (2 * rng.uniform() - 1) * bound
  return { a: matrix(a, r, n), b: matrix(alloc(opts.dtype, m * r), m, r), scaling: loraScaling(opts) }
}

/**
 * PEFT's `init_lora_weights="gaussian"`: A `[r, in]` ~ N(0, (1/r)²), B `[out, r]` = 0.
 * @example const { a, b } = gaussianInit({ inFeatures: 256, outFeatures: 128, rank: 8, rng: seededRng(42) })
 * @since 0.1.0  @category inits
 */
export const gaussianInit = (opts: RandomInitOptions): LoraInit => {
  checkDims('gaussianInit', opts)
  const { rank: r, inFeatures: n, outFeatures: m, rng } = opts
  const a = alloc(opts.dtype, r * n)
  for (let i = 0; i < a.length; i++) a[i] = rng.normal() / r
  return { a: matrix(a, r, n), b: matrix(alloc(opts.dtype, m * r), m, r), scaling: loraScaling(opts) }
}
