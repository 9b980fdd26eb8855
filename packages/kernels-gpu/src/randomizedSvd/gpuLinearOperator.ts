import type { LinearOperator, Mat } from '@lr/svd'
import type { GpuContext } from '../context.js'
import { downloadMat, uploadMat, type GpuMat } from '../transfer/gpuMat.js'
import { gemmGpuMat, unwrap } from '../gemm/gemmGpu.js'

/**
 * A matrix resident on the GPU as @lr/svd's `LinearOperator`: `matmul(X)` = A·X and `rmatmul(Y)` = Aᵀ·Y
 * run on the GPU (X, Y uploaded, the product downloaded), so `randomizedSvdAsync(gpuLinearOperator(ctx, a), …)`
 * does its products on the GPU and its small factorizations on the CPU. Does not own `a`.
 * Products reject with a tagged GpuError.
 * @example const op = gpuLinearOperator(ctx, ga)
 * @since 0.1.0  @category randomized-svd
 */
export const gpuLinearOperator = (ctx: GpuContext, a: GpuMat): LinearOperator<Float32Array> => {
  const product = async (x: Mat, opA: 'none' | 'transpose'): Promise<Mat<Float32Array>> => {
    const gx = await unwrap(uploadMat(ctx, x))
    try {
      const gy = await unwrap(gemmGpuMat(ctx, a, gx, { opA }))
      try { return await unwrap(downloadMat(ctx, gy)) } finally { gy.destroy() }
    } finally {
      gx.destroy()
    }
  }
  return {
    shape: a.shape,
    dtype: 'f32',
    matmul: (x) => product(x, 'none'),
    rmatmul: (y) => product(y, 'transpose'),
  }
}
