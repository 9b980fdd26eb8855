import { NotFinite, ShapeMismatch, type Mat } from '@lr/svd'
import { OddDimension } from './errors.js'

/** A complex matrix stored as two row-major f32 planes of `rows·cols` entries.
 *  @since 0.1.0  @category model */
export interface ComplexMatrix {
  readonly re: Float32Array
  readonly im: Float32Array
  readonly rows: number
  readonly cols: number
}

/** The widely-linear form of a real layer: y_c = U·x_c + W·conj(x_c), U and W `[out/2, in/2]`.
 *  @since 0.1.0  @category model */
export interface WidelyLinear {
  readonly u: ComplexMatrix
  readonly w: ComplexMatrix
}

/** Options of {@link widelyLinear}. @since 0.1.0 @category options */
export interface WidelyLinearOptions {
  /** Tensor name used in error messages. @default 'a' */
  readonly name?: string
  /** Reject NaN/±Inf entries. @default true */
  readonly checkFinite?: boolean
}

/**
 * Widely-linear (complex) form of a real layer A `[out, in]` (both even), n = out/2, m = in/2:
 * blocks A11 = A[:n,:m], A12 = A[:n,m:], A21 = A[n:,:m], A22 = A[n:,m:];
 * U_re = ½(A11+A22), U_im = ½(A21−A12), W_re = ½(A11−A22), W_im = ½(A12+A21).
 * With x_c = x[0:m] + i·x[m:2m], A·x = [Re y_c; Im y_c] where y_c = U·x_c + W·conj(x_c).
 * a: Mat<Float32Array> `[out, in]`, any strides; results are f32 `[n, m]` row-major (computed in f64, rounded once).
 * Paper: Fairy2i, arXiv:2512.02901 (same as `quantize_linear_layer` in the official code).
 * @throws OddDimension when out or in is odd; NotFinite (default) on NaN/±Inf.
 * @example const { u, w } = widelyLinear(matrix(new Float32Array([1, 2, 3, 4]), 2, 2))
 * @since 0.1.0  @category transforms
 */
export function widelyLinear(a: Mat<Float32Array>, opts: WidelyLinearOptions = {}): WidelyLinear {
  const name = opts.name ?? 'a'
  const [out, inn] = a.shape
  if (!(a.data instanceof Float32Array)) throw new ShapeMismatch('widelyLinear', `tensor "${name}" must be Float32Array`, a.shape, [])
  if (out % 2 !== 0 || inn % 2 !== 0 || out === 0 || inn === 0) throw new OddDimension('widelyLinear', name, a.shape)
  const n = out / 2, m = inn / 2
  const d = a.data, s0 = a.stride[0], s1 = a.stride[1], o = a.offset
  if (opts.checkFinite ?? true) {
    for (let i = 0; i < out; i++) for (let j = 0; j < inn; j++) {
      const v = d[o + i * s0 + j * s1]!
      if (!Number.isFinite(v)) throw new NotFinite('widelyLinear', name, [i, j], v)
    }
  }
  const ure = new Float32Array(n * m), uim = new Float32Array(n * m), wre = new Float32Array(n * m), wim = new Float32Array(n * m)
  for (let i = 0; i < n; i++) {
    const top = o + i * s0, bot = o + (i + n) * s0, r = i * m
    for (let j = 0; j < m; j++) {
      const a11 = d[top + j * s1]!, a12 = d[top + (j + m) * s1]!
      const a21 = d[bot + j * s1]!, a22 = d[bot + (j + m) * s1]!
      ure[r + j] = 0.5 * (a11 + a22)
      uim[r + j] = 0.5 * (a21 - a12)
      wre[r + j] = 0.5 * (a11 - a22)
      wim[r + j] = 0.5 * (a12 + a21)
    }
  }
  return { u: { re: ure, im: uim, rows: n, cols: m }, w: { re: wre, im: wim, rows: n, cols: m } }
}

/**
 * The exact inverse of {@link widelyLinear}: A11 = U_re+W_re, A12 = W_im−U_im, A21 = W_im+U_im, A22 = U_re−W_re.
 * u, w: ComplexMatrix `[n, m]`; returns a row-major Mat<Float32Array> `[2n, 2m]` (sums in f64, rounded once).
 * @throws ShapeMismatch when u and w differ in shape.
 * @example const a = widelyLinearToReal(widelyLinear(a0))
 * @since 0.1.0  @category transforms
 */
export function widelyLinearToReal(wl: WidelyLinear): Mat<Float32Array> {
  const { u, w } = wl
  if (u.rows !== w.rows || u.cols !== w.cols) throw new ShapeMismatch('widelyLinearToReal', 'u.shape = w.shape', [u.rows, u.cols], [w.rows, w.cols])
  const n = u.rows, m = u.cols, cols = 2 * m
  const out = new Float32Array(4 * n * m)
  for (let i = 0; i < n; i++) {
    const top = i * cols, bot = (i + n) * cols, r = i * m
    for (let j = 0; j < m; j++) {
      const ur = u.re[r + j]!, ui = u.im[r + j]!, wr = w.re[r + j]!, wi = w.im[r + j]!
      out[top + j] = ur + wr
      out[top + m + j] = wi - ui
      out[bot + j] = wi + ui
      out[bot + m + j] = ur - wr
    }
  }
  return { data: out, shape: [2 * n, cols], stride: [cols, 1], offset: 0 }
}
