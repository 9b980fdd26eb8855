/**
 * Blocked Householder QR with the compact-WY representation (LAPACK dgeqrf + dlarft + dlarfb, and
 * dorgqr), so that most flops go through the GEMM seam: for each panel of NB columns,
 * H_j⋯H_{j+nb−1} = I − V·T·Vᵀ (V unit lower trapezoidal, T upper triangular), and the trailing
 * matrix is updated with three GEMMs. Same reflectors and τ as the unblocked qrFactor / formQ
 * (src/internal/qrKernel.ts) up to rounding. Row-major f64 work arrays.
 * @internal
 */
import { gemmKernel } from '../gemmKernel.js'
import { applyLeft, larfg } from '../householder.js'

/** Panel width. */
const NB = 32
/** Below this many columns (or rows) the unblocked algorithm is as fast. */
const MIN_BLOCKED = 2 * NB

/** V [rows, jb] explicit (unit diagonal, zeros above) from the reflectors stored in a's panel. */
const explicitV = (rows: number, jb: number, a: Float64Array, ld: number, off: number): Float64Array => {
  const v = new Float64Array(rows * jb)
  for (let r = 0; r < rows; r++) {
    const src = off + r * ld
    for (let i = 0; i < jb && i <= r; i++) v[r * jb + i] = i === r ? 1 : a[src + i]!
  }
  return v
}

/** dlarft (forward, columnwise): T [jb, jb] upper triangular with H_0⋯H_{jb−1} = I − V·T·Vᵀ. */
export const formT = (rows: number, jb: number, v: Float64Array, tau: Float64Array, t0: number): Float64Array => {
  const g = new Float64Array(jb * jb) // G = Vᵀ·V
  gemmKernel(jb, jb, rows, 1, v, 1, jb, 0, v, jb, 1, 0, 0, g, jb, 1, 0)
  const t = new Float64Array(jb * jb)
  const tmp = new Float64Array(jb)
  for (let i = 0; i < jb; i++) {
    const ti = tau[t0 + i]!
    t[i * jb + i] = ti
    // T[0:i, i] = −τ_i · T[0:i, 0:i] · G[0:i, i]
    for (let r = 0; r < i; r++) {
      let s = 0
      for (let c = r; c < i; c++) s += t[r * jb + c]! * g[c * jb + i]!
      tmp[r] = s
    }
    for (let r = 0; r < i; r++) t[r * jb + i] = -ti * tmp[r]!
  }
  return t
}

/** C [rows, nc] (row-major, leading dimension ld, at off) ← (I − V·op(T)·Vᵀ)·C; op(T) = Tᵀ when isTransposed. */
const applyBlock = (rows: number, nc: number, jb: number, v: Float64Array, t: Float64Array, isTransposed: boolean,
  c: Float64Array, ld: number, off: number): void => {
  const w = new Float64Array(jb * nc), w2 = new Float64Array(jb * nc)
  gemmKernel(jb, nc, rows, 1, v, 1, jb, 0, c, ld, 1, off, 0, w, nc, 1, 0)                         // W = Vᵀ·C
  if (isTransposed) gemmKernel(jb, nc, jb, 1, t, 1, jb, 0, w, nc, 1, 0, 0, w2, nc, 1, 0)           // W2 = Tᵀ·W
  else gemmKernel(jb, nc, jb, 1, t, jb, 1, 0, w, nc, 1, 0, 0, w2, nc, 1, 0)                        // W2 = T·W
  gemmKernel(rows, nc, jb, -1, v, jb, 1, 0, w2, nc, 1, 0, 1, c, ld, 1, off)                         // C −= V·W2
}

/** dgeqrf: a[m, n] ← R above the diagonal, reflectors below (as qrFactor). Returns τ [min(m, n)]. */
export const qrFactorBlocked = (m: number, n: number, a: Float64Array): Float64Array => {
  const k = Math.min(m, n)
  const tau = new Float64Array(k)
  const v = new Float64Array(m), w = new Float64Array(n)
  const blocked = k >= MIN_BLOCKED && m >= MIN_BLOCKED
  for (let j = 0; j < k; j += NB) {
    const jb = blocked ? Math.min(NB, k - j) : k - j
    const panelCols = blocked ? jb : n - j
    // unblocked panel (dgeqr2) on columns [j, j + panelCols)
    for (let i = 0; i < jb; i++) {
      const col = j + i, cc = col * n + col
      tau[col] = larfg(m - col, a, cc, n, v)
      applyLeft(m - col, panelCols - i - 1, tau[col]!, v, a, cc + 1, n, 1, w)
    }
    if (!blocked) break
    const nc = n - j - jb
    if (nc > 0) {
      const rows = m - j
      const vm = explicitV(rows, jb, a, n, j * n + j)
      const t = formT(rows, jb, vm, tau, j)
      applyBlock(rows, nc, jb, vm, t, true, a, n, j * n + j + jb)   // trailing ← Qᵀ_panel · trailing
    }
  }
  return tau
}

/** dorgqr: the first `cols` columns of Q = H_0⋯H_{k−1} as row-major [m, cols] (cols ≥ k), as formQ. */
export const formQBlocked = (m: number, n: number, a: Float64Array, tau: Float64Array, cols: number): Float64Array => {
  const k = tau.length
  const q = new Float64Array(m * cols)
  for (let i = 0; i < Math.min(m, cols); i++) q[i * cols + i] = 1
  if (k === 0) return q
  const blocked = k >= MIN_BLOCKED && m >= MIN_BLOCKED
  const v = new Float64Array(m), w = new Float64Array(cols)
  const last = blocked ? Math.floor((k - 1) / NB) * NB : 0
  for (let j = last; j >= 0; j -= NB) {
    const jb = blocked ? Math.min(NB, k - j) : k
    const rows = m - j
    if (blocked) {
      const vm = explicitV(rows, jb, a, n, j * n + j)
      const t = formT(rows, jb, vm, tau, j)
      applyBlock(rows, cols - j, jb, vm, t, false, q, cols, j * cols + j)   // Q[j:, j:] ← (I − V·T·Vᵀ)·Q[j:, j:]
    } else {
      for (let i = jb - 1; i >= 0; i--) {
        const col = j + i
        v[0] = 1
        for (let r = 1; r < m - col; r++) v[r] = a[(col + r) * n + col]!
        applyLeft(m - col, cols - col, tau[col]!, v, q, col * cols + col, cols, 1, w)
      }
    }
    if (!blocked) break
  }
  return q
}
