/** Unchecked kernel: y[m, n] = x[m, k] · w[n, k]ᵀ (+ beta·y), all row-major contiguous from their offsets.
 *  Register-blocked 4×4 (16 accumulators in f64). Temporary until @lr/svd's gemm is on main. */
export const matmulNT = (
  m: number, n: number, k: number,
  x: Float32Array, xOff: number, w: Float32Array, wOff: number,
  y: Float32Array, yOff: number, accumulate: boolean,
): void => {
  const m4 = m - (m % 4), n4 = n - (n % 4)
  for (let i = 0; i < m4; i += 4) {
    const x0 = xOff + i * k, x1 = x0 + k, x2 = x1 + k, x3 = x2 + k
    for (let j = 0; j < n4; j += 4) {
      const w0 = wOff + j * k, w1 = w0 + k, w2 = w1 + k, w3 = w2 + k
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
      for (let p = 0; p < k; p++) {
        const a0 = x[x0 + p]!, a1 = x[x1 + p]!, a2 = x[x2 + p]!, a3 = x[x3 + p]!
        const b0 = w[w0 + p]!, b1 = w[w1 + p]!, b2 = w[w2 + p]!, b3 = w[w3 + p]!
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3
      }
      const y0 = yOff + i * n + j, y1 = y0 + n, y2 = y1 + n, y3 = y2 + n
      if (accumulate) {
        y[y0] = y[y0]! + c00; y[y0 + 1] = y[y0 + 1]! + c01; y[y0 + 2] = y[y0 + 2]! + c02; y[y0 + 3] = y[y0 + 3]! + c03
        y[y1] = y[y1]! + c10; y[y1 + 1] = y[y1 + 1]! + c11; y[y1 + 2] = y[y1 + 2]! + c12; y[y1 + 3] = y[y1 + 3]! + c13
        y[y2] = y[y2]! + c20; y[y2 + 1] = y[y2 + 1]! + c21; y[y2 + 2] = y[y2 + 2]! + c22; y[y2 + 3] = y[y2 + 3]! + c23
        y[y3] = y[y3]! + c30; y[y3 + 1] = y[y3 + 1]! + c31; y[y3 + 2] = y[y3 + 2]! + c32; y[y3 + 3] = y[y3 + 3]! + c33
      } else {
        y[y0] = c00; y[y0 + 1] = c01; y[y0 + 2] = c02; y[y0 + 3] = c03
        y[y1] = c10; y[y1 + 1] = c11; y[y1 + 2] = c12; y[y1 + 3] = c13
        y[y2] = c20; y[y2 + 1] = c21; y[y2 + 2] = c22; y[y2 + 3] = c23
        y[y3] = c30; y[y3 + 1] = c31; y[y3 + 2] = c32; y[y3 + 3] = c33
      }
    }
  }
  // edges: rows m4..m over all columns, and columns n4..n over rows 0..m4
  for (let i = 0; i < m; i++) {
    const jStart = i < m4 ? n4 : 0
    const xi = xOff + i * k
    for (let j = jStart; j < n; j++) {
      const wj = wOff + j * k
      let s = 0
      for (let p = 0; p < k; p++) s += x[xi + p]! * w[wj + p]!
      const yi = yOff + i * n + j
      y[yi] = accumulate ? y[yi]! + s : s
    }
  }
}
