import { randomizedSvdAsync, InvalidArgument, type LinearOperator, type Mat } from '@lr/svd'
import { factorFromSvd, type FactorDeltaOptions, type FactoredDelta } from './factorDelta.js'

/** A matrix made into an operator elsewhere (e.g. uploaded to the GPU by @lr/kernels-gpu's `uploadMat` +
 *  `gpuLinearOperator`), and how to free it.  @since 0.1.0  @category extract */
export interface ProvidedOperator {
  readonly op: LinearOperator<Float32Array>
  /** Frees what `op` holds (GPU buffers); called once the SVD is done or has failed. */
  readonly release: () => void
}

/** Options of `factorDeltaAsync`: those of `factorDelta` plus where the products run.  @since 0.1.0  @category extract */
export interface FactorDeltaAsyncOptions extends FactorDeltaOptions {
  /** Makes the operator of M whose products (M·X, Mᵀ·Y) the randomized SVD awaits. */
  readonly operator: (m: Mat<Float32Array>) => Promise<ProvidedOperator>
}

/**
 * `factorDelta` with the randomized SVD's products on an async operator (the GPU): M `[out, in]` f32 → LoRA pair
 * M ≈ B·A with the same rank rules, split and clamping. The sketch/power products run through `opts.operator(m)`
 * (`randomizedSvdAsync` of @lr/svd, same Halko algorithm and rng draw as the CPU path); the small QR/SVD steps run
 * on the CPU. Only the randomized SVD has an operator form: `svd: 'exact'` is an InvalidArgument, and `auto`
 * means randomized here. With the same seed the result equals `factorDelta(m, { svd: 'randomized' })` up to the
 * rounding of the operator's f32 products.
 * @example const f = await factorDeltaAsync(delta, { rank: 16, rng: seededRng(0), operator: async (m) => ({ op: cpuOp(m), release: () => {} }) })
 * @since 0.1.0  @category extract
 */
export const factorDeltaAsync = async (m: Mat<Float32Array>, opts: FactorDeltaAsyncOptions): Promise<FactoredDelta<Float32Array>> => {
  const [rows, cols] = m.shape
  if (!Number.isInteger(opts.rank) || opts.rank < 1) throw new InvalidArgument('factorDeltaAsync', 'rank', `must be a positive integer, got ${opts.rank}`)
  if (opts.svd === 'exact') throw new InvalidArgument('factorDeltaAsync', 'svd', 'the exact SVD has no operator (GPU) form: use svd "randomized" (or "auto"), or run on the CPU')
  if (opts.rule?.kind === 'cumulative')
    throw new InvalidArgument('factorDeltaAsync', 'rule', 'the cumulative rule needs every singular value: use the exact SVD on the CPU, or the energy/frobenius rule')
  if (opts.rng === undefined) throw new InvalidArgument('factorDeltaAsync', 'rng', 'the randomized SVD needs an rng: pass { rng: seededRng(seed) }')
  const maxRank = Math.min(opts.rank, rows, cols)
  let norm2 = 0
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) { const v = m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!; norm2 += v * v }
  const provided = await opts.operator(m)
  try {
    const k = maxRank
    const r = await randomizedSvdAsync(provided.op, { rank: k, oversample: Math.min(opts.oversample ?? k, Math.min(rows, cols) - k), powerIters: opts.powerIters ?? 2, rng: opts.rng })
    return factorFromSvd(m, r, norm2, maxRank, opts)
  } finally {
    provided.release()
  }
}
