import { cholesky, matrix, type Mat } from '@lr/svd'

/** Inverse of a symmetric positive-definite matrix through its Cholesky factor: A⁻¹ = L⁻ᵀ L⁻¹ (f64, row-major). */
export const spdInverse = (a: Mat<Float64Array>): Mat<Float64Array> => {
  const n = a.shape[0]
  const l = cholesky(a)
  const L = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) L[i * n + j] = l.data[l.offset + i * l.stride[0] + j * l.stride[1]]!
  // Linv = L⁻¹ (lower triangular), column by column of the identity.
  const Li = new Float64Array(n * n)
  for (let c = 0; c < n; c++) {
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0
      for (let k = c; k < i; k++) s -= L[i * n + k]! * Li[k * n + c]!
      Li[i * n + c] = s / L[i * n + i]!
    }
  }
  // A⁻¹ = Liᵀ · Li, symmetric: (i, j) = Σ_k Li[k, i] Li[k, j], k ≥ max(i, j).
  const inv = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = 0
    for (let k = i; k < n; k++) s += Li[k * n + i]! * Li[k * n + j]!
    inv[i * n + j] = s; inv[j * n + i] = s
  }
  return matrix(inv, n, n)
}
