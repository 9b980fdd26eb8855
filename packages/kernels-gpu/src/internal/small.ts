// Small dense f64 kernels on the CPU for the (r+p)-sized steps of CholeskyQR2 and randomized SVD.
// Row-major k×k Float64Arrays. @lr/kernels-gpu may import @lr/svd only as types, so these few are ours.

/** Upper R with G = Rᵀ·R, or undefined when a pivot is not positive (G not numerically SPD). */
export const choleskyUpper = (g: Float64Array, k: number): Float64Array | undefined => {
  const r = new Float64Array(k * k)
  for (let j = 0; j < k; j++) {
    let d = g[j * k + j]!
    for (let p = 0; p < j; p++) d -= r[p * k + j]! * r[p * k + j]!
    if (!(d > 0)) return undefined
    const rjj = Math.sqrt(d)
    r[j * k + j] = rjj
    for (let i = j + 1; i < k; i++) {
      let s = g[j * k + i]!
      for (let p = 0; p < j; p++) s -= r[p * k + j]! * r[p * k + i]!
      r[j * k + i] = s / rjj
    }
  }
  return r
}

/** Inverse of an upper-triangular matrix (upper triangular). */
export const invertUpper = (r: Float64Array, k: number): Float64Array => {
  const x = new Float64Array(k * k)
  for (let j = k - 1; j >= 0; j--) {
    x[j * k + j] = 1 / r[j * k + j]!
    for (let i = j - 1; i >= 0; i--) {
      let s = 0
      for (let p = i + 1; p <= j; p++) s += r[i * k + p]! * x[p * k + j]!
      x[i * k + j] = -s / r[i * k + i]!
    }
  }
  return x
}

/** a·b for k×k row-major matrices. */
export const mulSquare = (a: Float64Array, b: Float64Array, k: number): Float64Array => {
  const c = new Float64Array(k * k)
  for (let i = 0; i < k; i++) for (let p = 0; p < k; p++) {
    const v = a[i * k + p]!
    if (v !== 0) for (let j = 0; j < k; j++) c[i * k + j]! += v * b[p * k + j]!
  }
  return c
}

/**
 * One-sided Jacobi SVD (Hestenes) of a k×k matrix: a = u·diag(s)·vᵀ, s descending.
 * Sweeps until every column pair is orthogonal to 1e-15 relative, at most 60 sweeps.
 */
export const jacobiSvd = (a: Float64Array, k: number): { u: Float64Array; s: Float64Array; v: Float64Array } => {
  const w = Float64Array.from(a)
  const v = new Float64Array(k * k)
  for (let i = 0; i < k; i++) v[i * k + i] = 1
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false
    for (let p = 0; p < k - 1; p++) for (let q = p + 1; q < k; q++) {
      let alpha = 0, beta = 0, gamma = 0
      for (let i = 0; i < k; i++) { const wp = w[i * k + p]!, wq = w[i * k + q]!; alpha += wp * wp; beta += wq * wq; gamma += wp * wq }
      if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue
      rotated = true
      const zeta = (beta - alpha) / (2 * gamma)
      const tn = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta))
      const c = 1 / Math.sqrt(1 + tn * tn), sn = c * tn
      for (let i = 0; i < k; i++) {
        const wp = w[i * k + p]!, wq = w[i * k + q]!
        w[i * k + p] = c * wp - sn * wq; w[i * k + q] = sn * wp + c * wq
        const vp = v[i * k + p]!, vq = v[i * k + q]!
        v[i * k + p] = c * vp - sn * vq; v[i * k + q] = sn * vp + c * vq
      }
    }
    if (!rotated) break
  }
  const norms = Array.from({ length: k }, (_, j) => { let s = 0; for (let i = 0; i < k; i++) s += w[i * k + j]! ** 2; return Math.sqrt(s) })
  const order = norms.map((_, j) => j).sort((x, y) => norms[y]! - norms[x]!)
  const u = new Float64Array(k * k), s = new Float64Array(k), vs = new Float64Array(k * k)
  order.forEach((j, col) => {
    s[col] = norms[j]!
    for (let i = 0; i < k; i++) {
      u[i * k + col] = norms[j]! > 0 ? w[i * k + j]! / norms[j]! : (i === col ? 1 : 0)
      vs[i * k + col] = v[i * k + j]!
    }
  })
  return { u, s, v: vs }
}
