/** Floating-point storage accepted by every @lr/svd function. */
export type Float = Float32Array | Float64Array

/**
 * A strided 2-D view over a typed array, with the same fields as a scijs `ndarray`.
 * Element (i, j) lives at `data[offset + i*stride[0] + j*stride[1]]`.
 * Row-major is the default (`stride = [cols, 1]`); column-major, negative strides and offsets are accepted.
 * @since 0.1.0  @category model
 */
export interface Mat<T extends Float = Float> {
  readonly data: T
  readonly shape: readonly [rows: number, cols: number]
  readonly stride: readonly [number, number]
  readonly offset: number
}

/** Anything matrix-shaped the public functions accept: a `Mat`, or a structural `{ data, shape }`
 *  (e.g. an io-safetensors `NamedTensor` with float data), read as row-major.
 *  @since 0.1.0  @category model */
export type MatLike<T extends Float = Float> = Mat<T> | { readonly data: T; readonly shape: readonly number[] }

/** A view of `data` as a row-major `[rows, cols]` matrix (no copy).
 *  @example const m = matrix(new Float64Array([1, 2, 3, 4]), 2, 2)
 *  @since 0.1.0  @category model */
export const matrix = <T extends Float>(data: T, rows: number, cols: number): Mat<T> =>
  ({ data, shape: [rows, cols], stride: [cols, 1], offset: 0 })

/** Transpose as an O(1) view: swaps shape and strides, never copies.
 *  @example const at = transpose(matrix(new Float32Array(6), 2, 3)) // shape [3, 2]
 *  @since 0.1.0  @category views */
export const transpose = <T extends Float>(m: Mat<T>): Mat<T> =>
  ({ data: m.data, shape: [m.shape[1], m.shape[0]], stride: [m.stride[1], m.stride[0]], offset: m.offset })

/** Columns [start, end) of `m` as a view (no copy).
 *  @example const u8 = sliceCols(u, 0, 8)
 *  @since 0.1.0  @category views */
export const sliceCols = <T extends Float>(m: Mat<T>, start: number, end: number): Mat<T> =>
  ({ data: m.data, shape: [m.shape[0], end - start], stride: m.stride, offset: m.offset + start * m.stride[1] })

/** Rows [start, end) of `m` as a view (no copy).
 *  @example const top = sliceRows(a, 0, 4)
 *  @since 0.1.0  @category views */
export const sliceRows = <T extends Float>(m: Mat<T>, start: number, end: number): Mat<T> =>
  ({ data: m.data, shape: [end - start, m.shape[1]], stride: m.stride, offset: m.offset + start * m.stride[0] })

/** A new zero-filled row-major matrix with the dtype of `like`.
 *  @example const z = zerosLike(a, 3, 3)
 *  @since 0.1.0  @category constructors */
export const zerosLike = <T extends Float>(like: Mat<T> | T, rows: number, cols: number): Mat<T> => {
  const data = ('data' in like ? like.data : like) as T
  const out = (data instanceof Float32Array ? new Float32Array(rows * cols) : new Float64Array(rows * cols)) as T
  return matrix(out, rows, cols)
}

/** A new zero-filled row-major matrix of the given dtype.
 *  @example const z = zeros('f64', 2, 3)
 *  @since 0.1.0  @category constructors */
export function zeros(dtype: 'f32', rows: number, cols: number): Mat<Float32Array>
export function zeros(dtype: 'f64', rows: number, cols: number): Mat<Float64Array>
export function zeros(dtype: 'f32' | 'f64', rows: number, cols: number): Mat {
  return matrix(dtype === 'f32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols), rows, cols)
}

/** The element at (i, j).
 *  @example const x = at(m, 0, 1)
 *  @since 0.1.0  @category access */
export const at = (m: Mat, i: number, j: number): number => m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!

/** A contiguous row-major copy of any view (same dtype).
 *  @example const c = toContiguous(transpose(a))
 *  @since 0.1.0  @category constructors */
export const toContiguous = <T extends Float>(m: Mat<T>): Mat<T> => {
  const [r, c] = m.shape
  const out = zerosLike(m, r, c)
  const d = out.data, s = m.data, s0 = m.stride[0], s1 = m.stride[1]
  for (let i = 0; i < r; i++) {
    const base = m.offset + i * s0, o = i * c
    for (let j = 0; j < c; j++) d[o + j] = s[base + j * s1]!
  }
  return out
}

/** True when `m` is row-major contiguous (stride [cols, 1]) from its offset. */
export const isRowMajor = (m: Mat): boolean => m.stride[1] === 1 && (m.stride[0] === m.shape[1] || m.shape[0] <= 1)

/** dtype name of a Float array. */
export const dtypeOf = (x: Float | Mat): 'f32' | 'f64' =>
  (('data' in x ? x.data : x) instanceof Float32Array ? 'f32' : 'f64')
