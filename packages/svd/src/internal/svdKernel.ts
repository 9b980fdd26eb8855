/**
 * Dense SVD on an f64 work array: Householder bidiagonalization (LAPACK dgebd2 layout) followed by
 * implicit-shift QR on the bidiagonal (Golub–Kahan–Reinsch, as in LINPACK dsvdc / JAMA), with
 * rotations applied to contiguous rows of Uᵀ and Vᵀ. Backward stable: singular values to
 * O(ε·σ₁), factors orthonormal to O(ε). Non-convergence throws NoConvergence.
 * @internal
 */
import { NoConvergence } from '../errors.js'
import { applyRight, loadReflector } from './householder.js'
import { bdsdc, bdsqrBlock, SMLSIZ } from './bdsdc.js'
import { applyPtRight, applyQtRight } from './blocked/ormbr.js'
import { bidiagonalizeBlocked, bidiagonalizeUnblockedFrom, formUtBlocked, formVtBlocked } from './blocked/bidiagBlocked.js'
import { bidiagonalSingularValues } from './dqds.js'

const isFiniteBidiagonal = (n: number, d: Float64Array, e: Float64Array): boolean => {
  for (let i = 0; i < n; i++) if (d[i]! - d[i]! !== 0 || e[i]! - e[i]! !== 0) return false
  return true
}

export interface BidiagResult {
  readonly d: Float64Array      // diagonal [n]
  readonly e: Float64Array      // superdiagonal [n] (e[n−1] = 0)
  readonly tauq: Float64Array   // left reflectors (stored in the columns of a below the diagonal)
  readonly taup: Float64Array   // right reflectors (stored in the rows of a right of the superdiagonal)
}

/** dgebd2 for m ≥ n on row-major a[m, n] (overwritten with the reflectors). A = Q·B·Pᵀ. */
export const bidiagonalize = (m: number, n: number, a: Float64Array): BidiagResult => {
  const d = new Float64Array(n), e = new Float64Array(n), tauq = new Float64Array(n), taup = new Float64Array(n)
  const v = new Float64Array(Math.max(m, n)), w = new Float64Array(Math.max(m, n))
  bidiagonalizeUnblockedFrom(m, n, a, 0, { d, e, tauq, taup }, v, w)
  return { d, e, tauq, taup }
}

/** Uᵀ rows: `rows` = n (thin) or m (full); ut[rows, m] = [I 0]·H_{n−1}⋯H_0. */
export const formUt = (m: number, n: number, rows: number, a: Float64Array, tauq: Float64Array): Float64Array => {
  const ut = new Float64Array(rows * m)
  for (let i = 0; i < rows; i++) ut[i * m + i] = 1
  const v = new Float64Array(m), w = new Float64Array(rows)
  for (let k = n - 1; k >= 0; k--) {
    loadReflector(m - k, a, k * n + k, n, v)
    applyRight(rows - k, m - k, tauq[k]!, v, ut, k * m + k, m, 1, w)
  }
  return ut
}

/** Vᵀ[n, n] = G_{n−2}⋯G_0 from the right reflectors stored in the rows of a. */
export const formVt = (n: number, a: Float64Array, taup: Float64Array): Float64Array => {
  const vt = new Float64Array(n * n)
  for (let i = 0; i < n; i++) vt[i * n + i] = 1
  const v = new Float64Array(n), w = new Float64Array(n)
  for (let k = n - 2; k >= 0; k--) {
    loadReflector(n - k - 1, a, k * n + k + 1, 1, v)
    applyRight(n - k - 1, n - k - 1, taup[k]!, v, vt, (k + 1) * n + k + 1, n, 1, w)
  }
  return vt
}

const NO_ROWS = new Float64Array(0)

/**
 * Implicit-shift QR on the upper bidiagonal (d, e) of order n (bdsdc's `bdsqrBlock`, the one
 * implementation). Rotations hit rows of `ut` (row length m) and `vt` (row length n) when given. On
 * return d ≥ 0 (unsorted); signs are folded into vt.
 */
export const bdsqr = (op: string, n: number, m: number, d: Float64Array, e: Float64Array,
  ut: Float64Array | undefined, vt: Float64Array | undefined): void => {
  for (let i = 0; i < n; i++) if (d[i]! - d[i]! !== 0 || e[i]! - e[i]! !== 0)
    throw new NoConvergence(op, 0, 'the bidiagonal holds NaN/Inf (non-finite input passed with { checkFinite: false })')
  bdsqrBlock(op, n, d, e, ut ?? NO_ROWS, 0, m, ut ? m : 0, vt ?? NO_ROWS, 0, n, vt ? n : 0)
}

/** Indices of d sorted by descending value (stable). */
export const descendingOrder = (d: Float64Array): Int32Array => {
  const idx = Array.from({ length: d.length }, (_, i) => i)
  idx.sort((x, y) => d[y]! - d[x]! || x - y)
  return Int32Array.from(idx)
}

export interface SvdWorkResult {
  /** singular values, descending [n] */
  readonly s: Float64Array
  /** Uᵀ rows [rows, m] (rows = n thin, m full), sorted like s; undefined for values only */
  readonly ut: Float64Array | undefined
  /** Vᵀ [n, n], sorted like s; undefined for values only */
  readonly vt: Float64Array | undefined
}

/** SVD of row-major a[m, n], m ≥ n ≥ 0 (a is destroyed). */
export const svdKernel = (op: string, m: number, n: number, a: Float64Array, mode: 'thin' | 'full' | 'values'): SvdWorkResult => {
  const want = mode !== 'values'
  const rows = mode === 'full' ? m : n
  if (n === 0) {
    const ut = want ? new Float64Array(rows * m) : undefined
    if (ut) for (let i = 0; i < rows; i++) ut[i * m + i] = 1
    return { s: new Float64Array(0), ut, vt: want ? new Float64Array(0) : undefined }
  }
  const { d, e, tauq, taup } = bidiagonalizeBlocked(m, n, a)
  if (!want) {
    // values only: dqds (O(n²), high relative accuracy); the bidiagonal QR if it fails or sees NaN/Inf
    const s = isFiniteBidiagonal(n, d, e) ? bidiagonalSingularValues(n, d, e) : null
    if (s !== null) return { s, ut: undefined, vt: undefined }
  }
  if (want && n > SMLSIZ) return svdVectorsDivideAndConquer(op, m, n, rows, a, d, e, tauq, taup)
  const ut = want ? formUtBlocked(m, n, rows, a, tauq) : undefined
  const vt = want ? formVtBlocked(n, a, taup) : undefined
  bdsqr(op, n, m, d, e, ut, vt)
  const order = descendingOrder(d)
  const s = new Float64Array(n)
  for (let i = 0; i < n; i++) s[i] = d[order[i]!]!
  if (!want) return { s, ut, vt }
  const ut2 = new Float64Array(rows * m), vt2 = new Float64Array(n * n)
  for (let i = 0; i < n; i++) {
    ut2.set(ut!.subarray(order[i]! * m, order[i]! * m + m), i * m)
    vt2.set(vt!.subarray(order[i]! * n, order[i]! * n + n), i * n)
  }
  if (rows > n) ut2.set(ut!.subarray(n * m), n * m)
  return { s, ut: ut2, vt: vt2 }
}

/**
 * Vectors by divide and conquer (LAPACK dgesdd's path): B = U_B·Σ·V_Bᵀ by dbdsdc, then the
 * back-transformation Uᵀ = [U_Bᵀ 0]·Qᵀ and Vᵀ = V_Bᵀ·Pᵀ applied in place with blocked reflectors
 * (dormbr). The output buffer of Uᵀ serves as the merge workspace of dbdsdc first.
 */
const svdVectorsDivideAndConquer = (op: string, m: number, n: number, rows: number, a: Float64Array,
  d: Float64Array, e: Float64Array, tauq: Float64Array, taup: Float64Array): SvdWorkResult => {
  const ut = new Float64Array(rows * m)
  const { ubt, vbt } = bdsdc(op, n, d, e, ut)
  const order = descendingOrder(d)
  const s = new Float64Array(n)
  for (let i = 0; i < n; i++) s[i] = d[order[i]!]!
  ut.fill(0)
  for (let i = 0; i < n; i++) ut.set(ubt.subarray(order[i]! * n, order[i]! * n + n), i * m)
  for (let i = n; i < rows; i++) ut[i * m + i] = 1
  // Vᵀ rows sorted in place into ubt's storage (free now)
  const vt = ubt
  for (let i = 0; i < n; i++) vt.set(vbt.subarray(order[i]! * n, order[i]! * n + n), i * n)
  applyQtRight(m, n, rows, a, tauq, ut)
  applyPtRight(n, n, a, taup, vt)
  return { s, ut, vt }
}
