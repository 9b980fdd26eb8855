import { cholesky, eigSym, gemm, matrix, randomizedSvd, seededRng, svd, toContiguous, transpose, InvalidArgument, NotPositiveDefinite, type Mat } from '@lr/svd'

/** A dense row-major f64 matrix (internal working format of the compression methods). */
export interface Dense { readonly data: Float64Array; readonly rows: number; readonly cols: number }

export const dense = (data: Float64Array, rows: number, cols: number): Dense => ({ data, rows, cols })
export const asMat = (a: Dense): Mat<Float64Array> => matrix(a.data, a.rows, a.cols)

/** Row-major f64 copy of any strided view. */
export const toDense = (m: Mat): Dense => {
  const [r, c] = m.shape, out = new Float64Array(r * c), d = m.data, s0 = m.stride[0], s1 = m.stride[1]
  for (let i = 0; i < r; i++) { const b = m.offset + i * s0; for (let j = 0; j < c; j++) out[i * c + j] = d[b + j * s1]! }
  return dense(out, r, c)
}

/** Row-major copy as f32 (for results whose input was f32). */
export const toF32Mat = (a: Dense): Mat<Float32Array> => matrix(Float32Array.from(a.data), a.rows, a.cols)

export const matmul = (a: Dense, b: Dense): Dense => {
  const c = toContiguous(gemm(asMat(a), asMat(b)))
  return dense(c.data, a.rows, b.cols)
}
export const matmulTA = (a: Dense, b: Dense): Dense => { // aᵀ·b
  const c = toContiguous(gemm(transpose(asMat(a)), asMat(b)))
  return dense(c.data, a.cols, b.cols)
}

/** How the truncated SVD is computed: `exact` (full thin SVD, optimal) or `randomized` (Halko–Martinsson–Tropp with
 *  oversampling 10 and 4 power iterations, seed 0: near-optimal, O(m·n·r) instead of O(m·n·min(m, n))). */
export type SvdSolver = 'exact' | 'randomized'

/** Thin SVD, contiguous f64 factors: u [m, k], s [k] descending, vt [k, n] (k = rank for the randomized solver). */
export const thinSvd = (a: Dense, rank?: number, solver: SvdSolver = 'exact'): { u: Dense; s: Float64Array; vt: Dense } => {
  const k = Math.min(a.rows, a.cols)
  const r = solver === 'randomized' && rank !== undefined && rank < k
    ? randomizedSvd(asMat(a), { rank, oversample: 10, powerIters: 4, rng: seededRng(0) })
    : svd(asMat(a), { mode: 'thin' })
  const u = toContiguous(r.u as Mat<Float64Array>), vt = toContiguous(r.vt as Mat<Float64Array>)
  return { u: dense(u.data, u.shape[0], u.shape[1]), s: Float64Array.from(r.s), vt: dense(vt.data, vt.shape[0], vt.shape[1]) }
}

/** Rank-r factors of a thin SVD with the singular values split evenly: U_r·√Σ_r [m, r] and √Σ_r·V_rᵀ [r, n]. */
export const splitFactors = (f: { u: Dense; s: Float64Array; vt: Dense }, r: number): { left: Dense; right: Dense } => {
  const m = f.u.rows, k = f.u.cols, n = f.vt.cols
  const left = new Float64Array(m * r), right = new Float64Array(r * n)
  for (let t = 0; t < r; t++) {
    const q = Math.sqrt(f.s[t]!)
    for (let i = 0; i < m; i++) left[i * r + t] = f.u.data[i * k + t]! * q
    for (let j = 0; j < n; j++) right[t * n + j] = f.vt.data[t * n + j]! * q
  }
  return { left: dense(left, m, r), right: dense(right, r, n) }
}

/** Scales column j of a by d[j] (returns a new matrix). */
export const scaleCols = (a: Dense, d: Float64Array): Dense => {
  const out = new Float64Array(a.data.length)
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[i * a.cols + j] = a.data[i * a.cols + j]! * d[j]!
  return dense(out, a.rows, a.cols)
}
/** Scales row i of a by d[i] (returns a new matrix). */
export const scaleRows = (a: Dense, d: Float64Array): Dense => {
  const out = new Float64Array(a.data.length)
  for (let i = 0; i < a.rows; i++) for (let j = 0; j < a.cols; j++) out[i * a.cols + j] = a.data[i * a.cols + j]! * d[i]!
  return dense(out, a.rows, a.cols)
}

/** Z with Z·L = B for lower-triangular L [n, n] (back substitution per row of B [r, n]). */
export const solveRightLower = (b: Dense, l: Dense): Dense => {
  const n = l.rows, z = Float64Array.from(b.data), L = l.data
  for (let t = 0; t < b.rows; t++) {
    const o = t * n
    for (let j = n - 1; j >= 0; j--) {
      let acc = z[o + j]!
      for (let i = j + 1; i < n; i++) acc -= z[o + i]! * L[i * n + j]!
      z[o + j] = acc / L[j * n + j]!
    }
  }
  return dense(z, b.rows, n)
}

/** Checks that c is a finite symmetric [n, n] matrix (tolerance relative to its largest diagonal entry). */
export const assertCovariance = (op: string, name: string, c: Dense, n: number): void => {
  if (c.rows !== n || c.cols !== n) throw new InvalidArgument(op, name, `must be [${n}, ${n}] (the layer's input dimension), got [${c.rows}, ${c.cols}]`)
  let dmax = 0
  for (let i = 0; i < n; i++) dmax = Math.max(dmax, Math.abs(c.data[i * n + i]!))
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    const a = c.data[i * n + j]!, b = c.data[j * n + i]!
    if (!Number.isFinite(a)) throw new InvalidArgument(op, name, `non-finite value ${a} at [${i}, ${j}]`)
    if (Math.abs(a - b) > 1e-5 * dmax) throw new InvalidArgument(op, name, `not symmetric: [${i}, ${j}] = ${a} but [${j}, ${i}] = ${b}; pass Σ x·xᵀ`)
  }
}

/**
 * Cholesky factor L (lower) of c; when c is not numerically positive definite and maxJitterTries > 0, retries with
 * c + λ·I, λ = 1e-6·mean(diag c)·10^t for t = 0 … maxJitterTries − 1. Throws NotPositiveDefinite otherwise.
 */
export const choleskyWithJitter = (op: string, name: string, c: Dense, maxJitterTries: number): { l: Dense; jitter: number } => {
  const n = c.rows
  let mean = 0
  for (let i = 0; i < n; i++) mean += c.data[i * n + i]! / n
  let lastErr: unknown
  for (let t = -1; t < maxJitterTries; t++) {
    const jitter = t < 0 ? 0 : 1e-6 * Math.max(mean, Number.MIN_VALUE) * 10 ** t
    const a = t < 0 ? c.data : Float64Array.from(c.data)
    if (t >= 0) for (let i = 0; i < n; i++) a[i * n + i] += jitter
    try {
      const l = toContiguous(cholesky(matrix(a, n, n)) as Mat<Float64Array>)
      let ok = true
      for (let i = 0; i < n && ok; i++) ok = l.data[i * n + i]! > 0 && Number.isFinite(l.data[i * n + i]!)
      if (ok) return { l: dense(l.data, n, n), jitter }
      lastErr = new NotPositiveDefinite(op, name, 0, 0)
    } catch (e) {
      if ((e as { _tag?: string })._tag !== 'NotPositiveDefinite') throw e
      lastErr = e
    }
  }
  const e = lastErr as NotPositiveDefinite
  throw new NotPositiveDefinite(op, name, e.pivot, e.value)
}

/** Eigen-decomposition of a symmetric matrix: values ascending, vectors as columns (contiguous). */
export const eigSymDense = (c: Dense): { values: Float64Array; vectors: Dense } => {
  const r = eigSym(asMat(c))
  const v = toContiguous(r.vectors as Mat<Float64Array>)
  return { values: Float64Array.from(r.values), vectors: dense(v.data, c.rows, c.rows) }
}
