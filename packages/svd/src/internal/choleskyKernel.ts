/**
 * Blocked right-looking Cholesky (LAPACK dpotrf structure): unblocked factor of each diagonal block,
 * a triangular solve for the panel below it, and the trailing update as gemm calls through the seam
 * (one per block row, lower part only).
 * @internal
 */
import type { Mat } from '../mat.js'
import { gemmKernel } from './gemmKernel.js'

const NB = 64

/** l: row-major [n, n] holding the lower triangle of A (upper part zero); overwritten with L.
 *  Returns −1 on success, else the index of the first non-positive pivot (its value in bad[0]). */
export const choleskyKernel = (n: number, l: Float64Array, bad: Float64Array): number => {
  for (let jb = 0; jb < n; jb += NB) {
    const nb = Math.min(NB, n - jb), je = jb + nb
    for (let i = jb; i < n; i++) {
      const ri = i * n
      const jmax = Math.min(i, je - 1)
      for (let j = jb; j <= jmax; j++) {
        const rj = j * n
        let s = l[ri + j]!
        for (let p = jb; p < j; p++) s -= l[ri + p]! * l[rj + p]!
        if (i === j) {
          if (!(s > 0)) { bad[0] = s; return i }
          l[ri + i] = Math.sqrt(s)
        } else {
          l[ri + j] = s / l[rj + j]!
        }
      }
    }
    for (let ib = je; ib < n; ib += NB) {
      const ibn = Math.min(NB, n - ib)
      gemmKernel(ibn, ib + ibn - je, nb, -1, l, n, 1, ib * n + jb, l, 1, n, je * n + jb, 1, l, n, 1, ib * n + je)
    }
  }
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) l[i * n + j] = 0
  return -1
}

/** Lower triangle of A (+ jitter on the diagonal) as a row-major f64 work array. */
export const lowerToF64 = (A: Mat, jitter: number): Float64Array => {
  const n = A.shape[0], w = new Float64Array(n * n), d = A.data, [s0, s1] = A.stride
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) w[i * n + j] = d[A.offset + i * s0 + j * s1]!
  if (jitter !== 0) for (let i = 0; i < n; i++) w[i * n + i] = w[i * n + i]! + jitter
  return w
}

