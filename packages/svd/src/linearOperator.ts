import type { Float, Mat } from './mat.js'

/**
 * A matrix known only by its products, `[rows, cols]`: `matmul(X)` = A·X for X `[cols, k]`, and
 * `rmatmul(Y)` = Aᵀ·Y for Y `[rows, k]`. Lets `randomizedSvd` run on factored matrices (B·A of a LoRA)
 * or on a GPU without knowing either. Products may be async (GPU).
 * @since 0.1.0  @category model
 */
export interface LinearOperator<T extends Float = Float> {
  readonly shape: readonly [rows: number, cols: number]
  readonly dtype: 'f32' | 'f64'
  matmul(x: Mat<T>): Mat<T> | Promise<Mat<T>>
  rmatmul(y: Mat<T>): Mat<T> | Promise<Mat<T>>
}
