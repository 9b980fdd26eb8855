import { matrix, type Mat } from '@lr/svd'

/** A deterministic pseudo-random generator for test data (xorshift32), values in [-1, 1). */
export const testRandom = (seed: number): (() => number) => {
  let s = (seed >>> 0) || 1
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 2 ** 31 - 1 }
}

/** A random row-major f64 or f32 matrix. */
export const randomMat = (rows: number, cols: number, seed: number, dtype: 'f32' | 'f64' = 'f64'): Mat => {
  const r = testRandom(seed)
  const d = dtype === 'f32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols)
  for (let i = 0; i < d.length; i++) d[i] = r()
  return matrix(d, rows, cols)
}

/** Plain triple-loop product of two views (the independent oracle in tests), f64. */
export const matmul = (a: Mat, b: Mat): Mat<Float64Array> => {
  const [m, k] = a.shape, n = b.shape[1]
  const out = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const av = a.data[a.offset + i * a.stride[0] + p * a.stride[1]]!
    for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + av * b.data[b.offset + p * b.stride[0] + j * b.stride[1]]!
  }
  return matrix(out, m, n)
}

/** Element (i, j) of any view. */
export const el = (m: Mat, i: number, j: number): number => m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!

/** max |a − b| over two same-shape views. */
export const maxDiff = (a: Mat, b: Mat): number => {
  if (a.shape[0] !== b.shape[0] || a.shape[1] !== b.shape[1]) return Infinity
  let m = 0
  for (let i = 0; i < a.shape[0]; i++) for (let j = 0; j < a.shape[1]; j++) m = Math.max(m, Math.abs(el(a, i, j) - el(b, i, j)))
  return m
}

/** Frobenius norm of a view. */
export const fro = (a: Mat): number => {
  let s = 0
  for (let i = 0; i < a.shape[0]; i++) for (let j = 0; j < a.shape[1]; j++) s += el(a, i, j) ** 2
  return Math.sqrt(s)
}

/** A column-major copy of a row-major matrix, as a view with the same logical elements. */
export const colMajor = (a: Mat): Mat => {
  const [m, n] = a.shape
  const d = a.data instanceof Float32Array ? new Float32Array(m * n) : new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d[j * m + i] = el(a, i, j)
  return { data: d, shape: [m, n], stride: [1, m], offset: 0 }
}

/** A rank-r random matrix U·V, [m, n]. */
export const lowRank = (m: number, n: number, r: number, seed: number): Mat<Float64Array> =>
  matmul(randomMat(m, r, seed), randomMat(r, n, seed + 1))
