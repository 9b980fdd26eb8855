import { gemm, type Mat } from '@lr/svd'

/** y[m, n] = x[m, k] · w[n, k]ᵀ (+ y when `accumulate`), all row-major contiguous from their offsets, on
 *  @lr/svd's `gemm` (its kernel seam picks the fastest CPU kernel: WebAssembly SIMD when available).
 *  Inputs are validated by the evaluator once (finite weights and activations), so no finiteness scan here. */
export const matmulNT = (
  m: number, n: number, k: number,
  x: Float32Array, xOff: number, w: Float32Array, wOff: number,
  y: Float32Array, yOff: number, accumulate: boolean,
): void => {
  const a: Mat<Float32Array> = { data: x, shape: [m, k], stride: [k, 1], offset: xOff }
  const bt: Mat<Float32Array> = { data: w, shape: [k, n], stride: [1, k], offset: wOff } // wᵀ as a view
  const out: Mat<Float32Array> = { data: y, shape: [m, n], stride: [n, 1], offset: yOff }
  gemm(a, bt, { out, beta: accumulate ? 1 : 0, checkFinite: false })
}
