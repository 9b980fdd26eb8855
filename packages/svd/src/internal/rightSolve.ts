/** Z ← Z·L⁻¹ for lower-triangular L [n, n] (row-major f64), Z [r, n] row-major f64, in place. @internal */
export const solveRightLower = (r: number, n: number, z: Float64Array, l: Float64Array): void => {
  // (Z·L)_j = Σ_{i≥j} Z_i L_ij  ⇒  Z_j = (B_j − Σ_{i>j} Z_i L_ij) / L_jj, for j = n−1 … 0.
  const lt = new Float64Array(n * n) // Lᵀ: row j holds column j of L (contiguous over i)
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) lt[j * n + i] = l[i * n + j]!
  for (let k = 0; k < r; k++) {
    const o = k * n
    for (let j = n - 1; j >= 0; j--) {
      let acc = z[o + j]!
      const lj = j * n
      for (let i = j + 1; i < n; i++) acc -= z[o + i]! * lt[lj + i]!
      z[o + j] = acc / lt[lj + j]!
    }
  }
}
