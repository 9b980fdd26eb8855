import type { Mat } from '@lr/svd'
import { packedRowBytes } from './packCodes.js'
import type { Fairy2iPacked, PackedCodes } from './fairy2iQuantize.js'
import { assertPacked } from './internal/assertPacked.js'

/** Σ_t of one matrix's stages into (re, im) planes, in f32, stage order. */
const accumulate = (codes: readonly PackedCodes[], n: number, m: number, re: Float32Array, im: Float32Array): void => {
  const rb = packedRowBytes(m)
  for (const st of codes) {
    const c = st.codes, sr = st.scaleRe, si = st.scaleIm
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < m; k++) {
        const code = (c[j * rb + (k >>> 2)]! >>> ((k & 3) << 1)) & 3
        const o = j * m + k
        if (code === 0) re[o] = re[o]! + sr
        else if (code === 2) re[o] = re[o]! - sr
        else if (code === 1) im[o] = im[o]! + si
        else im[o] = im[o]! - si
      }
    }
  }
}

/**
 * The dense real matrix a Fairy2i layer stands for (what the official code runs):
 * U_q = Σ_t U_t, W_q = Σ_t W_t (f32), then A11 = W_re+U_re, A12 = W_im−U_im, A21 = W_im+U_im, A22 = U_re−W_re.
 * Returns a row-major Mat<Float32Array> `[rows, cols]`.
 * @throws Fairy2iFormatError when the codes do not match the shape.
 * @example const aq = fairy2iDequantize(fairy2iQuantize(a, { stages: 2 }))
 * @since 0.1.0  @category quantizers
 */
export function fairy2iDequantize(p: Fairy2iPacked): Mat<Float32Array> {
  assertPacked(p, 'fairy2iDequantize')
  const n = p.rows / 2, m = p.cols / 2, cols = p.cols
  const ure = new Float32Array(n * m), uim = new Float32Array(n * m), wre = new Float32Array(n * m), wim = new Float32Array(n * m)
  accumulate(p.stages.map((s) => s.u), n, m, ure, uim)
  accumulate(p.stages.map((s) => s.w), n, m, wre, wim)
  const out = new Float32Array(p.rows * cols)
  for (let i = 0; i < n; i++) {
    const top = i * cols, bot = (i + n) * cols, r = i * m
    for (let j = 0; j < m; j++) {
      out[top + j] = wre[r + j]! + ure[r + j]!
      out[top + m + j] = wim[r + j]! - uim[r + j]!
      out[bot + j] = wim[r + j]! + uim[r + j]!
      out[bot + m + j] = ure[r + j]! - wre[r + j]!
    }
  }
  return { data: out, shape: [p.rows, cols], stride: [cols, 1], offset: 0 }
}
