/**
 * Back-transformation of the bidiagonal SVD's vectors (LAPACK dormbr, blocked with compact WY): the
 * reflectors of the bidiagonalization A = Q·B·Pᵀ (as stored by bidiagonalizeBlocked, m ≥ n, row-major
 * a[m, n]) are applied NB at a time to dense row-major matrices through the GEMM seam, so that
 * Uᵀ = U_Bᵀ·Qᵀ and Vᵀ = V_Bᵀ·Pᵀ cost three GEMMs per panel instead of forming Q and P first.
 * @internal
 */
import { gemmKernel } from '../gemmKernel.js'
import { applyRight } from '../householder.js'
import { formT } from './qrBlocked.js'

/** Reflectors per block (the GEMM's inner dimension of the last product). */
const NB = 64
/** Below this many reflectors they are applied one by one. */
const MIN_BLOCKED = 2 * NB

/** C [rows, cols] (leading dimension ld, at off) ← C·(I − V·Tᵀ·Vᵀ), V [cols, jb] row-major, T [jb, jb]. */
const applyBlockRightT = (rows: number, cols: number, jb: number, vm: Float64Array, t: Float64Array,
  c: Float64Array, ld: number, off: number, w: Float64Array, w2: Float64Array): void => {
  gemmKernel(rows, jb, cols, 1, c, ld, 1, off, vm, jb, 1, 0, 0, w, jb, 1, 0)     // W = C·V
  gemmKernel(rows, jb, jb, 1, w, jb, 1, 0, t, 1, jb, 0, 0, w2, jb, 1, 0)         // W2 = W·Tᵀ
  gemmKernel(rows, cols, jb, -1, w2, jb, 1, 0, vm, 1, jb, 0, 1, c, ld, 1, off)    // C −= W2·Vᵀ
}

/** V [len, jb] explicit (unit diagonal, zeros above) from reflectors stored along rows (isRowStored)
 *  or columns of a, reflector i starting at a[start + i·(ld + 1)]. */
const explicitV = (len: number, jb: number, a: Float64Array, ld: number, start: number, isRowStored: boolean, vm: Float64Array): void => {
  vm.fill(0, 0, len * jb)
  for (let i = 0; i < jb; i++) {
    const s = start + i * (ld + 1)
    vm[i * jb + i] = 1
    for (let r = i + 1; r < len; r++) vm[r * jb + i] = a[s + (r - i) * (isRowStored ? 1 : ld)]!
  }
}

/** In place: ut [rows, m] (row-major) ← ut·H_{n−1}⋯H_0 = ut·Qᵀ, with the left reflectors H_k stored in
 *  the columns of a [m, n] below the diagonal (dormbr 'Q', 'R', 'T'). With ut = [U_Bᵀ 0] this gives
 *  Uᵀ = (Q·[U_B; 0])ᵀ. */
export const applyQtRight = (m: number, n: number, rows: number, a: Float64Array, tauq: Float64Array, ut: Float64Array): void => {
  const v = new Float64Array(m), w = new Float64Array(rows)
  const nBlocked = n >= MIN_BLOCKED ? Math.floor(n / NB) * NB : 0
  for (let k = n - 1; k >= nBlocked; k--) {
    v[0] = 1
    for (let r = 1; r < m - k; r++) v[r] = a[(k + r) * n + k]!
    applyRight(rows, m - k, tauq[k]!, v, ut, k, m, 1, w)
  }
  if (nBlocked === 0) return
  const vm = new Float64Array(m * NB), w1 = new Float64Array(rows * NB), w2 = new Float64Array(rows * NB)
  for (let j = nBlocked - NB; j >= 0; j -= NB) {
    const len = m - j
    explicitV(len, NB, a, n, j * n + j, false, vm)
    const t = formT(len, NB, vm, tauq, j)
    applyBlockRightT(rows, len, NB, vm, t, ut, m, j, w1, w2)
  }
}

/** In place: vt [rows, n] (row-major) ← vt·G_{n−2}⋯G_0 = vt·Pᵀ, with the right reflectors G_k stored in
 *  the rows of a [m, n] right of the superdiagonal (dormbr 'P', 'R', 'T'). With vt = V_Bᵀ this gives
 *  Vᵀ = (P·V_B)ᵀ. */
export const applyPtRight = (n: number, rows: number, a: Float64Array, taup: Float64Array, vt: Float64Array): void => {
  const nr = Math.max(0, n - 1) // reflectors 0..n−2
  const v = new Float64Array(n), w = new Float64Array(rows)
  const nBlocked = nr >= MIN_BLOCKED ? Math.floor(nr / NB) * NB : 0
  for (let k = nr - 1; k >= nBlocked; k--) {
    v[0] = 1
    for (let r = 1; r < n - k - 1; r++) v[r] = a[k * n + k + 1 + r]!
    applyRight(rows, n - k - 1, taup[k]!, v, vt, k + 1, n, 1, w)
  }
  if (nBlocked === 0) return
  const vm = new Float64Array(n * NB), w1 = new Float64Array(rows * NB), w2 = new Float64Array(rows * NB)
  for (let j = nBlocked - NB; j >= 0; j -= NB) {
    const len = n - j - 1
    explicitV(len, NB, a, n, j * n + j + 1, true, vm)
    const t = formT(len, NB, vm, taup, j)
    applyBlockRightT(rows, len, NB, vm, t, vt, n, j + 1, w1, w2)
  }
}
