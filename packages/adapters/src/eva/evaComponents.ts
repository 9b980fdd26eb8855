import { eigSym, InvalidArgument, type Mat } from '@lr/svd'
import { matrix } from '@lr/svd'
import { toF64 } from '../internal/linalg.js'

/** The leading principal directions of a layer's inputs.  @since 0.1.0  @category inits */
export interface EvaComponents {
  /** Eigenvectors of C as rows, `[k, in]`, by decreasing eigenvalue (f64). */
  readonly vectors: Mat<Float64Array>
  /** λᵢ / trace(C) for the k rows: the explained variance ratio EVA ranks components by. */
  readonly explainedVarianceRatio: Float64Array
  /** λᵢ (the explained variance, for whitening). */
  readonly eigenvalues: Float64Array
}

/**
 * The top-k eigenvectors of an input covariance C = Σ x·xᵀ `[in, in]` (symmetric eigendecomposition) and
 * their explained variance ratios λᵢ/trace(C) — the right singular vectors of the activation matrix that EVA
 * puts in A. PEFT's EVA runs an incremental PCA over mean-centred activations; from a second-moment
 * matrix the directions are uncentred (identical when inputs have zero mean).
 * @example const { vectors, explainedVarianceRatio } = evaComponents(cov, { maxComponents: 16 })
 * @since 0.1.0  @category inits
 */
export const evaComponents = (covariance: Mat, opts: { readonly maxComponents: number }): EvaComponents => {
  const n = covariance.shape[0]
  if (covariance.shape[1] !== n) throw new InvalidArgument('evaComponents', 'covariance', `must be square, got [${covariance.shape.join(', ')}]`)
  const k = Math.min(opts.maxComponents, n)
  if (!Number.isInteger(k) || k < 1) throw new InvalidArgument('evaComponents', 'maxComponents', `must be a positive integer, got ${opts.maxComponents}`)
  const c = toF64(covariance)
  let trace = 0
  for (let i = 0; i < n; i++) trace += c.data[i * n + i]!
  if (!(trace > 0)) throw new InvalidArgument('evaComponents', 'covariance', `trace is ${trace}; the calibration statistics are empty`)
  const { values, vectors } = eigSym(c)
  const out = new Float64Array(k * n), ratio = new Float64Array(k), ev = new Float64Array(k)
  for (let t = 0; t < k; t++) {
    const j = n - 1 - t // eigSym is ascending
    ev[t] = Math.max(0, values[j]!)
    ratio[t] = ev[t]! / trace
    for (let i = 0; i < n; i++) out[t * n + i] = vectors.data[vectors.offset + i * vectors.stride[0] + j * vectors.stride[1]]!
  }
  return { vectors: matrix(out, k, n), explainedVarianceRatio: ratio, eigenvalues: ev }
}
