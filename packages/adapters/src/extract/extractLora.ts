import { ShapeMismatch, type Float, type Mat } from '@lr/svd'
import { matrix } from '@lr/svd'
import { factorDelta, type FactorDeltaOptions, type FactoredDelta } from './factorDelta.js'

/**
 * Extracts a LoRA from a (base, tuned) weight pair: ΔW = tuned − base `[out, in]`, then the truncated SVD
 * ΔW ≈ B·A (`factorDelta`), scaling 1. f32|f64; dtype follows `base`. As mergekit's `extract_lora`
 * (A = √S Vᵀ, B = U √S) and kohya's `extract_lora_from_models.py` (with `{ split: 'up', clampQuantile: 0.99 }`).
 * @example const { a, b, rank, relativeError } = extractLora(base, tuned, { rank: 16 })
 * @since 0.1.0  @category extract
 */
export const extractLora = <T extends Float>(base: Mat<T>, tuned: Mat<T>, opts: FactorDeltaOptions): FactoredDelta<T> => {
  if (base.shape[0] !== tuned.shape[0] || base.shape[1] !== tuned.shape[1])
    throw new ShapeMismatch('extractLora', 'base and tuned have the same shape', base.shape, tuned.shape)
  const [m, n] = base.shape
  const d = (base.data instanceof Float32Array ? new Float32Array(m * n) : new Float64Array(m * n)) as T
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++)
    d[i * n + j] = tuned.data[tuned.offset + i * tuned.stride[0] + j * tuned.stride[1]]! - base.data[base.offset + i * base.stride[0] + j * base.stride[1]]!
  return factorDelta(matrix(d, m, n), opts)
}
