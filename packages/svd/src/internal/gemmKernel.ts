/**
 * The kernel seam: every hot product of @lr/svd (matrix–matrix, matrix–vector, rank-1 update) goes
 * through the three functions exported below (`gemmKernel`, `gemvKernel`, `gerKernel`). Faster CPU
 * kernels (WebAssembly SIMD, worker threads) plug in HERE and nowhere else; the algorithms never know
 * which kernel runs. The plain TypeScript `reference*` kernels stay as the reference path.
 *
 * Conventions (stdlib `.ndarray` style, no views, no checks, no allocation in loops):
 * a matrix is `(data, s0, s1, off)` with element (i, j) at `data[off + i*s0 + j*s1]`; any strides
 * (negative, column-major, transposed) are valid. Callers (public wrappers, decompositions) have
 * validated shapes, bounds and aliasing. Accumulation is in f64 (JS numbers) for every dtype.
 * @internal
 */
import type { Float } from '../mat.js'
import { withCpuGemm, withResidentCpu } from './wasm/cpuGemm.js'

/** C[m,n] = alpha·A[m,k]·B[k,n] + beta·C. beta = 0 ignores C's old contents (NaN included), like BLAS. */
export type GemmFn = (
  m: number, n: number, k: number, alpha: number,
  a: Float, as0: number, as1: number, ao: number,
  b: Float, bs0: number, bs1: number, bo: number,
  beta: number,
  c: Float, cs0: number, cs1: number, co: number,
) => void

/** y[m] = alpha·A[m,n]·x[n] + beta·y. beta = 0 ignores y's old contents. */
export type GemvFn = (
  m: number, n: number, alpha: number,
  a: Float, as0: number, as1: number, ao: number,
  x: Float, xs: number, xo: number,
  beta: number,
  y: Float, ys: number, yo: number,
) => void

/** A[m,n] += alpha·x[m]·y[n]ᵀ (rank-1 update, BLAS ger). */
export type GerFn = (
  m: number, n: number, alpha: number,
  x: Float, xs: number, xo: number,
  y: Float, ys: number, yo: number,
  a: Float, as0: number, as1: number, ao: number,
) => void

/** The whole seam as one object (what an alternative backend provides). */
export interface GemmKernels { readonly gemm: GemmFn; readonly gemv: GemvFn; readonly ger: GerFn }

// Blocking for the reference GEMM (f64 packed panels): Bᵀ panel NC×KC (512 KiB) stays in L2,
// a 4-row A sliver (8 KiB) and a 4-row Bᵀ sliver stay in L1.
const KC = 256
const NC = 256
const MC = 128

const scaleC = (m: number, n: number, beta: number, c: Float, cs0: number, cs1: number, co: number): void => {
  if (beta === 1) return
  for (let i = 0; i < m; i++) {
    const r = co + i * cs0
    if (beta === 0) for (let j = 0; j < n; j++) c[r + j * cs1] = 0
    else for (let j = 0; j < n; j++) c[r + j * cs1] *= beta
  }
}

/** Reference GEMM: packs A and Bᵀ blocks into f64 panels (contiguous along k), then a 4×4
 *  register-tiled dot-product micro-kernel accumulates in f64 and adds alpha·(A·B) to C once per
 *  k-block. Any strides. */
export const referenceGemm: GemmFn = (m, n, k, alpha, a, as0, as1, ao, b, bs0, bs1, bo, beta, c, cs0, cs1, co) => {
  scaleC(m, n, beta, c, cs0, cs1, co)
  if (m === 0 || n === 0 || k === 0 || alpha === 0) return
  const kc0 = Math.min(KC, k)
  const pb = new Float64Array(Math.min(NC, n) * kc0)
  const pa = new Float64Array(Math.min(MC, m) * kc0)
  for (let jc = 0; jc < n; jc += NC) {
    const nb = Math.min(NC, n - jc)
    for (let pc = 0; pc < k; pc += KC) {
      const kb = Math.min(KC, k - pc)
      // pack Bᵀ[jc:jc+nb, pc:pc+kb] row-major (row j = column jc+j of B)
      for (let j = 0; j < nb; j++) {
        const src = bo + (jc + j) * bs1 + pc * bs0, dst = j * kb
        for (let p = 0; p < kb; p++) pb[dst + p] = b[src + p * bs0]!
      }
      for (let ic = 0; ic < m; ic += MC) {
        const mb = Math.min(MC, m - ic)
        for (let i = 0; i < mb; i++) {
          const src = ao + (ic + i) * as0 + pc * as1, dst = i * kb
          for (let p = 0; p < kb; p++) pa[dst + p] = a[src + p * as1]!
        }
        microBlock(mb, nb, kb, alpha, pa, pb, c, co + ic * cs0 + jc * cs1, cs0, cs1)
      }
    }
  }
}

/** C[mb,nb] += alpha·PA[mb,kb]·PB[nb,kb]ᵀ, both panels row-major contiguous. */
const microBlock = (mb: number, nb: number, kb: number, alpha: number, pa: Float64Array, pb: Float64Array,
  c: Float, co: number, cs0: number, cs1: number): void => {
  const m4 = mb - (mb % 4), n4 = nb - (nb % 4)
  for (let i = 0; i < m4; i += 4) {
    const a0 = i * kb, a1 = a0 + kb, a2 = a1 + kb, a3 = a2 + kb
    for (let j = 0; j < n4; j += 4) {
      const b0 = j * kb, b1 = b0 + kb, b2 = b1 + kb, b3 = b2 + kb
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0
      for (let p = 0; p < kb; p++) {
        const x0 = pa[a0 + p]!, x1 = pa[a1 + p]!, x2 = pa[a2 + p]!, x3 = pa[a3 + p]!
        const y0 = pb[b0 + p]!, y1 = pb[b1 + p]!, y2 = pb[b2 + p]!, y3 = pb[b3 + p]!
        c00 += x0 * y0; c01 += x0 * y1; c02 += x0 * y2; c03 += x0 * y3
        c10 += x1 * y0; c11 += x1 * y1; c12 += x1 * y2; c13 += x1 * y3
        c20 += x2 * y0; c21 += x2 * y1; c22 += x2 * y2; c23 += x2 * y3
        c30 += x3 * y0; c31 += x3 * y1; c32 += x3 * y2; c33 += x3 * y3
      }
      let r = co + i * cs0 + j * cs1
      c[r] += alpha * c00; c[r + cs1] += alpha * c01; c[r + 2 * cs1] += alpha * c02; c[r + 3 * cs1] += alpha * c03
      r += cs0
      c[r] += alpha * c10; c[r + cs1] += alpha * c11; c[r + 2 * cs1] += alpha * c12; c[r + 3 * cs1] += alpha * c13
      r += cs0
      c[r] += alpha * c20; c[r + cs1] += alpha * c21; c[r + 2 * cs1] += alpha * c22; c[r + 3 * cs1] += alpha * c23
      r += cs0
      c[r] += alpha * c30; c[r + cs1] += alpha * c31; c[r + 2 * cs1] += alpha * c32; c[r + 3 * cs1] += alpha * c33
    }
    for (let j = n4; j < nb; j++) {
      const b0 = j * kb
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0
      for (let p = 0; p < kb; p++) {
        const y = pb[b0 + p]!
        s0 += pa[a0 + p]! * y; s1 += pa[a1 + p]! * y; s2 += pa[a2 + p]! * y; s3 += pa[a3 + p]! * y
      }
      const r = co + i * cs0 + j * cs1
      c[r] += alpha * s0; c[r + cs0] += alpha * s1; c[r + 2 * cs0] += alpha * s2; c[r + 3 * cs0] += alpha * s3
    }
  }
  for (let i = m4; i < mb; i++) {
    const a0 = i * kb
    for (let j = 0; j < nb; j++) {
      const b0 = j * kb
      let s = 0
      for (let p = 0; p < kb; p++) s += pa[a0 + p]! * pb[b0 + p]!
      c[co + i * cs0 + j * cs1] += alpha * s
    }
  }
}

/** Reference GEMV: row dot products (f64 accumulation) when rows are contiguous-ish, else an
 *  axpy sweep over columns (column-major / transposed A). */
export const referenceGemv: GemvFn = (m, n, alpha, a, as0, as1, ao, x, xs, xo, beta, y, ys, yo) => {
  if (beta !== 1) for (let i = 0; i < m; i++) y[yo + i * ys] = beta === 0 ? 0 : beta * y[yo + i * ys]!
  if (alpha === 0 || n === 0) return
  if (Math.abs(as0) === 1 && Math.abs(as1) !== 1) {
    // column-oriented: y += alpha·x[j]·A[:, j], A[:, j] contiguous
    const unit = as0 === 1 && ys === 1
    for (let j = 0; j < n; j++) {
      const xj = alpha * x[xo + j * xs]!
      if (xj === 0) continue
      const col = ao + j * as1
      if (unit) for (let i = 0; i < m; i++) y[yo + i] += xj * a[col + i]!
      else for (let i = 0; i < m; i++) y[yo + i * ys] += xj * a[col + i * as0]!
    }
    return
  }
  const unit = as1 === 1 && xs === 1
  for (let i = 0; i < m; i++) {
    const row = ao + i * as0
    let s = 0
    if (unit) for (let j = 0; j < n; j++) s += a[row + j]! * x[xo + j]!
    else for (let j = 0; j < n; j++) s += a[row + j * as1]! * x[xo + j * xs]!
    y[yo + i * ys] += alpha * s
  }
}

/** Reference GER: A += alpha·x·yᵀ, row by row (or column by column when A is column-major). */
export const referenceGer: GerFn = (m, n, alpha, x, xs, xo, y, ys, yo, a, as0, as1, ao) => {
  if (alpha === 0) return
  if (Math.abs(as0) === 1 && Math.abs(as1) !== 1) {
    for (let j = 0; j < n; j++) {
      const yj = alpha * y[yo + j * ys]!
      if (yj === 0) continue
      const col = ao + j * as1
      for (let i = 0; i < m; i++) a[col + i * as0] += yj * x[xo + i * xs]!
    }
    return
  }
  const unit = as1 === 1 && ys === 1
  for (let i = 0; i < m; i++) {
    const xi = alpha * x[xo + i * xs]!
    if (xi === 0) continue
    const row = ao + i * as0
    if (unit) for (let j = 0; j < n; j++) a[row + j] += xi * y[yo + j]!
    else for (let j = 0; j < n; j++) a[row + j * as1] += xi * y[yo + j * ys]!
  }
}

/** The reference backend (plain TypeScript). */
export const referenceKernels: GemmKernels = { gemm: referenceGemm, gemv: referenceGemv, ger: referenceGer }

/** THE seam used by every algorithm in @lr/svd: the WebAssembly SIMD kernels (+ worker threads) for
 *  products large enough to gain, the reference otherwise (see ./wasm/cpuGemm.ts, setCpuOptions). */
export const gemmKernel: GemmFn = withCpuGemm(referenceGemm)
/** Runs `fn` with a hint that the matrix view (data, s0, s1, off) [rows, cols] is read, unchanged, by
 *  several products inside it (randomizedSvd's A): the WebAssembly kernels copy it into their memory
 *  once instead of once per product. The reference kernels ignore the hint. */
export const withResident: <R>(data: Float, off: number, s0: number, s1: number, rows: number, cols: number, fn: () => R) => R = withResidentCpu
/** THE seam for matrix–vector products (Householder panel updates). */
export const gemvKernel: GemvFn = referenceGemv
/** THE seam for rank-1 updates (Householder trailing updates). */
export const gerKernel: GerFn = referenceGer
