/**
 * Blocked bidiagonalization (LAPACK dgebrd with dlabrd panels, m ≥ n) and blocked formation of the
 * orthogonal factors (compact WY, as dorgbr). Each panel of NB columns is reduced with matrix–vector
 * products that also build X [m, nb] and Y [n, nb], after which the trailing matrix gets the whole
 * panel's update as two GEMMs: A ← A − V·Yᵀ − X·Uᵀ. Half the flops of the reduction then go through
 * the GEMM seam (the other half are the gemv's, as in LAPACK). The reflectors, τ's, d and e are
 * stored exactly as by the unblocked dgebd2 in svdKernel.ts (same values up to rounding).
 * Row-major f64 work arrays.
 * @internal
 */
import { gemmKernel, gemvKernel } from '../gemmKernel.js'
import { applyLeft, applyRight, larfg } from '../householder.js'
import type { BidiagResult } from '../svdKernel.js'
import { formT } from './qrBlocked.js'
import { panelArena, panelRuntime, type PanelRuntime } from '../wasm/panelGemv.js'

/** Panel width. */
const NB = 32
/** Below this many columns the trailing block is reduced unblocked (dgebd2). */
const MIN_BLOCKED = 2 * NB

/** The matrix–vector products of dlabrd, on row-major operands (leading dimension lda, unit stride
 *  along a row). beta is 0 (output not read) or 1.
 *  `t`: Y[yo + j·incy] = alpha·Σ_r U[uo + r·incu]·A[ao + r·lda + j] + beta·Y[…]   (j < cols, r < rows)
 *  `n`: X[xo + r·incx] = alpha·Σ_j A[ao + r·lda + j]·W[wo + j·incw] + beta·X[…]   (r < rows, j < cols) */
interface PanelProducts {
  readonly t: (rows: number, cols: number, alpha: number, A: Float64Array, ao: number, lda: number,
    U: Float64Array, uo: number, incu: number, beta: number, Y: Float64Array, yo: number, incy: number) => void
  readonly n: (rows: number, cols: number, alpha: number, A: Float64Array, ao: number, lda: number,
    W: Float64Array, wo: number, incw: number, beta: number, X: Float64Array, xo: number, incx: number) => void
  /** Fused pass (WebAssembly path only), see PanelRuntime.gemvFused; A, x, z, q views of one arena. */
  readonly fused?: (rows: number, cols: number, A: Float64Array, ao: number, lda: number, wo: number,
    x: Float64Array, xo: number, z: Float64Array, q: Float64Array, tp: number) => void
  /** Work vectors for the fused pass: z [m], q [n]. */
  readonly z?: Float64Array
  readonly q?: Float64Array
}

/** The TypeScript path: through the gemv seam. */
const tsProducts: PanelProducts = {
  t: (rows, cols, alpha, A, ao, lda, U, uo, incu, beta, Y, yo, incy) => gemvKernel(cols, rows, alpha, A, 1, lda, ao, U, incu, uo, beta, Y, incy, yo),
  n: (rows, cols, alpha, A, ao, lda, W, wo, incw, beta, X, xo, incx) => gemvKernel(rows, cols, alpha, A, lda, 1, ao, W, incw, wo, beta, X, incx, xo),
}

/** The WebAssembly SIMD path: every operand is a view of the panel arena (its offset there is
 *  byteOffset / 8); tmp [max(m, n)] in the arena stages a strided W or Y. */
const wasmProducts = (rt: PanelRuntime, tmp: Float64Array, z: Float64Array, q: Float64Array): PanelProducts => {
  const tmpOff = tmp.byteOffset / 8
  return {
    z, q,
    fused: (rows, cols, A, ao, lda, wo, x, xo, zz, qq, tp) => {
      const ab = A.byteOffset / 8
      rt.gemvFused(ab + ao, lda, rows, cols, ab + wo, x.byteOffset / 8 + xo, zz.byteOffset / 8, qq.byteOffset / 8, tp)
    },
    t: (rows, cols, alpha, A, ao, lda, U, uo, incu, beta, Y, yo, incy) => {
      const ab = A.byteOffset / 8 + ao, ub = U.byteOffset / 8 + uo
      if (incy === 1) { rt.gemvT(ab, lda, rows, cols, ub, incu, Y.byteOffset / 8 + yo, alpha, beta); return }
      rt.gemvT(ab, lda, rows, cols, ub, incu, tmpOff, alpha, 0)
      if (beta === 0) for (let j = 0; j < cols; j++) Y[yo + j * incy] = tmp[j]!
      else for (let j = 0; j < cols; j++) Y[yo + j * incy] += tmp[j]!
    },
    n: (rows, cols, alpha, A, ao, lda, W, wo, incw, beta, X, xo, incx) => {
      let wb = W.byteOffset / 8 + wo
      if (incw !== 1) { for (let j = 0; j < cols; j++) tmp[j] = W[wo + j * incw]!; wb = tmpOff }
      rt.gemvN(A.byteOffset / 8 + ao, lda, rows, cols, wb, X.byteOffset / 8 + xo, incx, alpha, beta)
    },
  }
}

/** dgebrd for m ≥ n on row-major a[m, n] (overwritten with the reflectors). A = Q·B·Pᵀ.
 *  With WebAssembly SIMD available, a is copied once into the panel kernels' memory, reduced there
 *  (the trailing updates still go through the GEMM seam), and copied back. */
export const bidiagonalizeBlocked = (m: number, n: number, a: Float64Array): BidiagResult => {
  const rt = n >= MIN_BLOCKED ? panelRuntime() : null
  const o1 = m * n, o2 = o1 + m * NB, o3 = o2 + n * NB, o4 = o3 + m, o5 = o4 + m
  const arena = rt === null ? null : panelArena(rt, o5 + n)
  if (rt === null || arena === null) return bidiagonalizeIn(m, n, a, new Float64Array(m * NB), new Float64Array(n * NB), tsProducts)
  // a from bidiagWorkspace already lives at the start of the arena: reduced in place, no copies
  const isInPlace = a.buffer === arena.buffer && a.byteOffset === 0 && a.length === o1
  const aw = isInPlace ? a : arena.subarray(0, o1), xw = arena.subarray(o1, o2), yw = arena.subarray(o2, o3)
  if (!isInPlace) aw.set(a)
  const r = bidiagonalizeIn(m, n, aw, xw, yw, wasmProducts(rt, arena.subarray(o3, o4), arena.subarray(o4, o5), arena.subarray(o5)))
  if (!isInPlace) a.set(aw)
  return r
}

/** A work array [m·n] for bidiagonalizeBlocked(m, n, ·) that it reduces in place (no copy into the
 *  panel memory and back), or undefined on the TypeScript path. Valid until the next bidiagonalization
 *  or workspace request; the caller fills it, then calls bidiagonalizeBlocked at once. */
export const bidiagWorkspace = (m: number, n: number): Float64Array | undefined => {
  const rt = n >= MIN_BLOCKED ? panelRuntime() : null
  return rt === null ? undefined : panelArena(rt, m * n + m * NB + n * NB + 2 * m + n)?.subarray(0, m * n)
}

const bidiagonalizeIn = (m: number, n: number, a: Float64Array, x: Float64Array, y: Float64Array, big: PanelProducts): BidiagResult => {
  const d = new Float64Array(n), e = new Float64Array(n), tauq = new Float64Array(n), taup = new Float64Array(n)
  const v = new Float64Array(Math.max(m, n)), w = new Float64Array(Math.max(m, n))
  // the trailing update as ONE product of depth 2·NB: C −= L·R, L = [A(:, panel) | X] [M, 2NB],
  // R = [Yᵀ; A(panel, :)] [2NB, N] (each GEMM call reads and writes all of C once)
  const K2 = 2 * NB
  const lw = new Float64Array(Math.max(0, m - NB) * K2), rw = new Float64Array(Math.max(0, n - NB) * K2)
  let i0 = 0
  for (; n - i0 >= MIN_BLOCKED; i0 += NB) {
    labrd(m, n, a, i0, NB, d, e, tauq, taup, x, y, v, big)
    // trailing update: A[i0+nb:, i0+nb:] −= A[i0+nb:, i0:i0+nb]·Y[nb:, :]ᵀ + X[nb:, :]·A[i0:i0+nb, i0+nb:]
    // (X [m − i0, NB] and Y [n − i0, NB] are column-major)
    const r0 = i0 + NB, M = m - r0, N = n - r0, ldx = m - i0, ldy = n - i0
    for (let r = 0; r < M; r++) {
      const src = (r0 + r) * n + i0, dst = r * K2
      for (let c = 0; c < NB; c++) lw[dst + c] = a[src + c]!
      for (let c = 0; c < NB; c++) lw[dst + NB + c] = x[c * ldx + NB + r]!
    }
    for (let c = 0; c < NB; c++) {
      rw.set(y.subarray(c * ldy + NB, c * ldy + ldy), c * N)
      rw.set(a.subarray((i0 + c) * n + r0, (i0 + c) * n + n), (NB + c) * N)
    }
    gemmKernel(M, N, K2, -1, lw, K2, 1, 0, rw, N, 1, 0, 1, a, n, 1, r0 * n + r0)
    for (let j = i0; j < i0 + NB; j++) { a[j * n + j] = d[j]!; if (j + 1 < n) a[j * n + j + 1] = e[j]! }
  }
  // unblocked tail (dgebd2)
  bidiagonalizeUnblockedFrom(m, n, a, i0, { d, e, tauq, taup }, v, w)
  return { d, e, tauq, taup }
}

/** dgebd2 for m ≥ n on row-major a[m, n] from column k0 on (columns before k0 already reduced): writes the
 *  reflectors into a and d, e, tauq, taup into `r`. v, w: work vectors of length ≥ max(m, n). */
export const bidiagonalizeUnblockedFrom = (m: number, n: number, a: Float64Array, k0: number, r: BidiagResult, v: Float64Array, w: Float64Array): void => {
  const { d, e, tauq, taup } = r
  for (let k = k0; k < n; k++) {
    const kk = k * n + k
    tauq[k] = larfg(m - k, a, kk, n, v)
    d[k] = a[kk]!
    if (k < n - 1) applyLeft(m - k, n - k - 1, tauq[k]!, v, a, kk + 1, n, 1, w)
    if (k < n - 1) {
      taup[k] = larfg(n - k - 1, a, kk + 1, 1, v)
      e[k] = a[kk + 1]!
      applyRight(m - k - 1, n - k - 1, taup[k]!, v, a, kk + n + 1, n, 1, w)
    }
  }
}

/** dlabrd (m ≥ n): reduces the first nb rows and columns of the block A = a[i0:, i0:] and returns
 *  X [M, nb], Y [N, nb] (column-major, leading dimensions M = m − i0 and N = n − i0, so that the long
 *  gemv results are contiguous) for the trailing update. Local (r, c) of A is a[(i0 + r)·n + i0 + c]. */
const labrd = (m: number, n: number, a: Float64Array, i0: number, nb: number, d: Float64Array, e: Float64Array,
  tauq: Float64Array, taup: Float64Array, x: Float64Array, y: Float64Array, v: Float64Array, big: PanelProducts): void => {
  const M = m - i0, N = n - i0, ldx = M, ldy = N
  const A = (r: number, c: number): number => (i0 + r) * n + i0 + c
  const X = (r: number, c: number): number => c * ldx + r
  const Y = (r: number, c: number): number => c * ldy + r
  // isFused: the previous column's x-product also updated this column and accumulated q = Σ u·Ã[r, :]
  let isFused = false
  for (let i = 0; i < nb; i++) {
    // update A(i:M, i) −= A(i:M, 0:i)·Y(i, 0:i)ᵀ + X(i:M, 0:i)·A(0:i, i)
    if (i > 0 && !isFused) {
      big.n(M - i, i, -1, a, A(i, 0), n, y, Y(i, 0), ldy, 1, a, A(i, i), n)
      big.t(i, M - i, -1, x, X(i, 0), ldx, a, A(0, i), n, 1, a, A(i, i), n)
    }
    // reflector Q(i) annihilating A(i+1:M, i)
    const alpha = a[A(i, i)]!
    tauq[i0 + i] = larfg(M - i, a, A(i, i), n, v)
    d[i0 + i] = a[A(i, i)]!
    if (i >= N - 1) continue
    a[A(i, i)] = 1
    // Y(i+1:N, i) = τq·(A(i:M, i+1:N)ᵀ·u − Y(i+1:N, 0:i)·A(i:M, 0:i)ᵀ·u − A(0:i, i+1:N)ᵀ·X(i:M, 0:i)ᵀ·u)
    if (isFused) {
      // u = (1, c·ū[1:]) with c = 1/(ū₀ − β) (larfg): A(i:M, i+1:N)ᵀ·u = A(i, i+1:N) + c·q
      const q = big.q!, c = tauq[i0 + i] === 0 ? 0 : 1 / (alpha - d[i0 + i]!)
      for (let j = 0; j < N - i - 1; j++) y[Y(i + 1 + j, i)] = a[A(i, i + 1 + j)]! + c * q[j]!
    } else {
      big.t(M - i, N - i - 1, 1, a, A(i, i + 1), n, a, A(i, i), n, 0, y, Y(i + 1, i), 1)
    }
    if (i > 0) {
      big.t(M - i, i, 1, a, A(i, 0), n, a, A(i, i), n, 0, y, Y(0, i), 1)
      big.t(i, N - i - 1, -1, y, Y(i + 1, 0), ldy, y, Y(0, i), 1, 1, y, Y(i + 1, i), 1)
      big.n(i, M - i, 1, x, X(i, 0), ldx, a, A(i, i), n, 0, y, Y(0, i), 1)
      big.t(i, N - i - 1, -1, a, A(0, i + 1), n, y, Y(0, i), 1, 1, y, Y(i + 1, i), 1)
    }
    const tq = tauq[i0 + i]!
    for (let r = i + 1; r < N; r++) y[Y(r, i)] *= tq
    // update A(i, i+1:N) −= Y(i+1:N, 0:i+1)·A(i, 0:i+1)ᵀ + A(0:i, i+1:N)ᵀ·X(i, 0:i)ᵀ
    big.t(i + 1, N - i - 1, -1, y, Y(i + 1, 0), ldy, a, A(i, 0), 1, 1, a, A(i, i + 1), 1)
    if (i > 0) big.t(i, N - i - 1, -1, a, A(0, i + 1), n, x, X(i, 0), ldx, 1, a, A(i, i + 1), 1)
    // reflector P(i) annihilating A(i, i+2:N)
    taup[i0 + i] = larfg(N - i - 1, a, A(i, i + 1), 1, v)
    e[i0 + i] = a[A(i, i + 1)]!
    a[A(i, i + 1)] = 1
    // X(i+1:M, i) = τp·(A(i+1:M, i+1:N)·w − A(i+1:M, 0:i+1)·Y(i+1:N, 0:i+1)ᵀ·w − X(i+1:M, 0:i)·A(0:i, i+1:N)·w)
    const tp = taup[i0 + i]!
    isFused = big.fused !== undefined && i + 1 < nb && i + 2 < N && M - i - 1 >= 1
    if (isFused) {
      // corrections first (they only need w), into X(i+1:M, i); then z = the next column's update
      // without its X(:, i) term; then ONE pass over A(i+1:M, i+1:N) for x_i and the next y-product
      const z = big.z!
      big.n(i + 1, N - i - 1, 1, y, Y(i + 1, 0), ldy, a, A(i, i + 1), 1, 0, x, X(0, i), 1)
      big.n(M - i - 1, i + 1, -1, a, A(i + 1, 0), n, x, X(0, i), 1, 0, x, X(i + 1, i), 1)
      if (i > 0) {
        big.n(i, N - i - 1, 1, a, A(0, i + 1), n, a, A(i, i + 1), 1, 0, x, X(0, i), 1)
        big.t(i, M - i - 1, -1, x, X(i + 1, 0), ldx, x, X(0, i), 1, 1, x, X(i + 1, i), 1)
      }
      big.n(M - i - 1, i + 1, -1, a, A(i + 1, 0), n, y, Y(i + 1, 0), ldy, 0, z, 0, 1)
      if (i > 0) big.t(i, M - i - 1, -1, x, X(i + 1, 0), ldx, a, A(0, i + 1), n, 1, z, 0, 1)
      big.fused!(M - i - 1, N - i - 1, a, A(i + 1, i + 1), n, A(i, i + 1), x, X(i + 1, i), z, big.q!, tp)
      continue
    }
    big.n(M - i - 1, N - i - 1, 1, a, A(i + 1, i + 1), n, a, A(i, i + 1), 1, 0, x, X(i + 1, i), 1)
    big.n(i + 1, N - i - 1, 1, y, Y(i + 1, 0), ldy, a, A(i, i + 1), 1, 0, x, X(0, i), 1)
    big.n(M - i - 1, i + 1, -1, a, A(i + 1, 0), n, x, X(0, i), 1, 1, x, X(i + 1, i), 1)
    if (i > 0) {
      big.n(i, N - i - 1, 1, a, A(0, i + 1), n, a, A(i, i + 1), 1, 0, x, X(0, i), 1)
      big.t(i, M - i - 1, -1, x, X(i + 1, 0), ldx, x, X(0, i), 1, 1, x, X(i + 1, i), 1)
    }
    for (let r = i + 1; r < M; r++) x[X(r, i)] *= tp
  }
}

/** C [rows, cols] (leading dimension ld, at off) ← C·(I − V·Tᵀ·Vᵀ), V [cols, jb], T [jb, jb]. */
const applyBlockRightT = (rows: number, cols: number, jb: number, vm: Float64Array, t: Float64Array,
  c: Float64Array, ld: number, off: number): void => {
  const w = new Float64Array(rows * jb), w2 = new Float64Array(rows * jb)
  gemmKernel(rows, jb, cols, 1, c, ld, 1, off, vm, jb, 1, 0, 0, w, jb, 1, 0)           // W = C·V
  gemmKernel(rows, jb, jb, 1, w, jb, 1, 0, t, 1, jb, 0, 0, w2, jb, 1, 0)               // W2 = W·Tᵀ
  gemmKernel(rows, cols, jb, -1, w2, jb, 1, 0, vm, 1, jb, 0, 1, c, ld, 1, off)          // C −= W2·Vᵀ
}

/** V [len, jb] explicit (unit diagonal, zeros above) from reflectors stored along rows (isRowStored)
 *  or columns of a, reflector i starting at a[start + i·(ld + 1)]. */
const explicitV = (len: number, jb: number, a: Float64Array, ld: number, start: number, isRowStored: boolean): Float64Array => {
  const vm = new Float64Array(len * jb)
  for (let i = 0; i < jb; i++) {
    const s = start + i * (ld + 1)
    vm[i * jb + i] = 1
    for (let r = i + 1; r < len; r++) vm[r * jb + i] = a[s + (r - i) * (isRowStored ? 1 : ld)]!
  }
  return vm
}

/** Uᵀ rows [rows, m] = [I 0]·H_{n−1}⋯H_0 from the left reflectors in the columns of a (as formUt),
 *  applied NB reflectors at a time from the last panel to the first. */
export const formUtBlocked = (m: number, n: number, rows: number, a: Float64Array, tauq: Float64Array): Float64Array => {
  const ut = new Float64Array(rows * m)
  for (let i = 0; i < rows; i++) ut[i * m + i] = 1
  const v = new Float64Array(m), w = new Float64Array(rows)
  const nBlocked = n >= MIN_BLOCKED ? Math.floor(n / NB) * NB : 0
  // unblocked for reflectors [nBlocked, n) (applied first: they are the rightmost factors)
  for (let k = n - 1; k >= nBlocked; k--) {
    v[0] = 1
    for (let r = 1; r < m - k; r++) v[r] = a[(k + r) * n + k]!
    applyRight(rows - k, m - k, tauq[k]!, v, ut, k * m + k, m, 1, w)
  }
  for (let j = nBlocked - NB; j >= 0; j -= NB) {
    const len = m - j
    const vm = explicitV(len, NB, a, n, j * n + j, false)
    const t = formT(len, NB, vm, tauq, j)
    applyBlockRightT(rows - j, len, NB, vm, t, ut, m, j * m + j)
  }
  return ut
}

/** Vᵀ [n, n] = G_{n−2}⋯G_0 from the right reflectors stored in the rows of a (as formVt), blocked. */
export const formVtBlocked = (n: number, a: Float64Array, taup: Float64Array): Float64Array => {
  const vt = new Float64Array(n * n)
  for (let i = 0; i < n; i++) vt[i * n + i] = 1
  const nr = Math.max(0, n - 1) // reflectors 0..n−2
  const v = new Float64Array(n), w = new Float64Array(n)
  const nBlocked = nr >= MIN_BLOCKED ? Math.floor(nr / NB) * NB : 0
  for (let k = nr - 1; k >= nBlocked; k--) {
    v[0] = 1
    for (let r = 1; r < n - k - 1; r++) v[r] = a[k * n + k + 1 + r]!
    applyRight(n - k - 1, n - k - 1, taup[k]!, v, vt, (k + 1) * n + k + 1, n, 1, w)
  }
  for (let j = nBlocked - NB; j >= 0; j -= NB) {
    const len = n - j - 1
    const vm = explicitV(len, NB, a, n, j * n + j + 1, true)
    const t = formT(len, NB, vm, taup, j)
    applyBlockRightT(len, len, NB, vm, t, vt, n, (j + 1) * n + j + 1)
  }
  return vt
}
