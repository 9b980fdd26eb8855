/** Boundary checks shared by the public wrappers. Kernels never check. @internal */
import { InvalidArgument, NotFinite, ShapeMismatch } from '../errors.js'
import type { Float, Mat, MatLike } from '../mat.js'

const isFloat = (x: unknown): x is Float => x instanceof Float32Array || x instanceof Float64Array

/** Normalizes a structural `{ data, shape[, stride, offset] }` into a `Mat`, checking that it is 2-D,
 *  float, and that every element it addresses lies inside `data`. */
export const toMat = <T extends Float>(x: MatLike<T>, op: string, input: string): Mat<T> => {
  if (typeof x !== 'object' || x === null || !('data' in x) || !('shape' in x))
    throw new InvalidArgument(op, input, 'expected a matrix { data, shape, stride?, offset? }')
  if (!isFloat(x.data))
    throw new InvalidArgument(op, input, `data must be a Float32Array or Float64Array, got ${(x.data as object)?.constructor?.name ?? typeof x.data}; decode to f32 at the io edge (toFloat32)`)
  const shape = x.shape
  if (shape.length !== 2) throw new InvalidArgument(op, input, `expected a 2-D shape, got [${shape.join(', ')}]`)
  const rows = shape[0]!, cols = shape[1]!
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0)
    throw new InvalidArgument(op, input, `shape must be non-negative integers, got [${shape.join(', ')}]`)
  const m = x as Partial<Mat<T>> & { data: T }
  const stride: readonly [number, number] = m.stride ? [m.stride[0], m.stride[1]] : [cols, 1]
  const offset = m.offset ?? 0
  if (!Number.isInteger(stride[0]) || !Number.isInteger(stride[1]) || !Number.isInteger(offset))
    throw new InvalidArgument(op, input, `stride and offset must be integers, got [${stride.join(', ')}] / ${offset}`)
  if (rows > 0 && cols > 0) {
    const lo = offset + Math.min(0, (rows - 1) * stride[0]) + Math.min(0, (cols - 1) * stride[1])
    const hi = offset + Math.max(0, (rows - 1) * stride[0]) + Math.max(0, (cols - 1) * stride[1])
    if (lo < 0 || hi >= x.data.length)
      throw new InvalidArgument(op, input, `view [${rows}, ${cols}] stride [${stride.join(', ')}] offset ${offset} addresses [${lo}, ${hi}] outside data of length ${x.data.length}`)
  } else if (!shape.every((d) => d >= 0)) {
    throw new InvalidArgument(op, input, `bad shape [${shape.join(', ')}]`)
  }
  if (m.stride && m.offset !== undefined) return x as Mat<T>
  return { data: x.data, shape: [rows, cols], stride, offset }
}

/** True when rows [r × c] at off (row stride s0, unit column stride) hold no NaN/Inf. One function
 *  per array type keeps each loop's element access monomorphic. */
const rowsFinite32 = (d: Float32Array, off: number, s0: number, r: number, c: number): boolean => {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0
  for (let i = 0; i < r; i++) {
    const lo = off + i * s0, hi = lo + c
    let j = lo
    for (; j + 3 < hi; j += 4) { a0 += d[j]! * 0; a1 += d[j + 1]! * 0; a2 += d[j + 2]! * 0; a3 += d[j + 3]! * 0 }
    for (; j < hi; j++) a0 += d[j]! * 0
  }
  return a0 + a1 + a2 + a3 === 0
}
const rowsFinite64 = (d: Float64Array, off: number, s0: number, r: number, c: number): boolean => {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0
  for (let i = 0; i < r; i++) {
    const lo = off + i * s0, hi = lo + c
    let j = lo
    for (; j + 3 < hi; j += 4) { a0 += d[j]! * 0; a1 += d[j + 1]! * 0; a2 += d[j + 2]! * 0; a3 += d[j + 3]! * 0 }
    for (; j < hi; j++) a0 += d[j]! * 0
  }
  return a0 + a1 + a2 + a3 === 0
}

/** Throws NotFinite naming `input` and the first offending (i, j). */
export const assertFinite = (m: Mat, op: string, input: string): void => {
  const [r, c] = m.shape, d = m.data, s0 = m.stride[0], s1 = m.stride[1]
  // unit-stride rows: a branch-free pass (x·0 is NaN exactly for NaN and ±Inf), ~2× faster; the
  // element-wise loop below then runs only on a row that fails, to name the offending (i, j)
  if (s1 === 1 && (d instanceof Float32Array ? rowsFinite32(d, m.offset, s0, r, c) : rowsFinite64(d as Float64Array, m.offset, s0, r, c))) return
  for (let i = 0; i < r; i++) {
    const base = m.offset + i * s0
    for (let j = 0; j < c; j++) {
      const v = d[base + j * s1]!
      if (v - v !== 0) throw new NotFinite(op, input, [i, j], v)
    }
  }
}

export const assertFiniteVec = (v: Float, op: string, input: string): void => {
  for (let i = 0; i < v.length; i++) { const x = v[i]!; if (x - x !== 0) throw new NotFinite(op, input, [i, 0], x) }
}

export const assertSameDtype = (op: string, names: readonly string[], ...xs: readonly (Mat | Float)[]): void => {
  const f32 = (x: Mat | Float) => ('data' in x ? x.data : x) instanceof Float32Array
  const first = f32(xs[0]!)
  for (let i = 1; i < xs.length; i++) {
    if (f32(xs[i]!) !== first)
      throw new InvalidArgument(op, names[i] ?? `arg${i}`, `dtype ${f32(xs[i]!) ? 'f32' : 'f64'} differs from "${names[0]}" (${first ? 'f32' : 'f64'}); convert one operand (Float64Array.from / Float32Array.from)`)
  }
}

export const assertSquare = (m: Mat, op: string, input: string): void => {
  if (m.shape[0] !== m.shape[1]) throw new ShapeMismatch(op, `"${input}" must be square (rows = cols)`, m.shape, [m.shape[1], m.shape[0]])
}

/** Element index range [lo, hi] a view touches (for alias checks). */
const span = (m: Mat): [number, number] => {
  const [r, c] = m.shape, [s0, s1] = m.stride
  if (r === 0 || c === 0) return [0, -1]
  const lo = m.offset + Math.min(0, (r - 1) * s0) + Math.min(0, (c - 1) * s1)
  const hi = m.offset + Math.max(0, (r - 1) * s0) + Math.max(0, (c - 1) * s1)
  const b = m.data.BYTES_PER_ELEMENT
  return [m.data.byteOffset + lo * b, m.data.byteOffset + (hi + 1) * b - 1]
}

/** `out` must not share memory with an input (the kernels read inputs while writing out). */
export const assertNoAlias = (op: string, out: Mat, outName: string, ...inputs: readonly [Mat, string][]): void => {
  const [olo, ohi] = span(out)
  for (const [m, name] of inputs) {
    if (m.data.buffer !== out.data.buffer) continue
    const [lo, hi] = span(m)
    if (lo <= ohi && olo <= hi)
      throw new InvalidArgument(op, outName, `"${outName}" overlaps input "${name}" in memory; pass a separate buffer`)
  }
}

export const isF32 = (x: Mat | Float): boolean => ('data' in x ? x.data : x) instanceof Float32Array

/** A Float of the same dtype as `like`, length n. */
export const allocLike = <T extends Float>(like: Mat<T> | T, n: number): T =>
  ((('data' in like ? like.data : like) instanceof Float32Array) ? new Float32Array(n) : new Float64Array(n)) as T

/** Row-major f64 copy of `m` (or of mᵀ when `transposed`), multiplied by `scale`. */
export const copyToF64 = (m: Mat, opts: { readonly transposed: boolean; readonly scale: number; readonly out?: Float64Array | undefined }): Float64Array => {
  const [r0, c0] = m.shape
  const [rows, cols] = opts.transposed ? [c0, r0] : [r0, c0]
  const [s0, s1] = opts.transposed ? [m.stride[1], m.stride[0]] : [m.stride[0], m.stride[1]]
  const out = opts.out ?? new Float64Array(rows * cols), d = m.data, sc = opts.scale
  for (let i = 0; i < rows; i++) {
    const base = m.offset + i * s0, o = i * cols
    for (let j = 0; j < cols; j++) out[o + j] = d[base + j * s1]! * sc
  }
  return out
}

/** max |m_ij| (0 for empty). */
export const maxAbs = (m: Mat): number => {
  const [r, c] = m.shape, d = m.data, s0 = m.stride[0], s1 = m.stride[1]
  let mx = 0
  for (let i = 0; i < r; i++) {
    const base = m.offset + i * s0
    for (let j = 0; j < c; j++) { const v = Math.abs(d[base + j * s1]!); if (v > mx) mx = v }
  }
  return mx
}

/** A power of two p with p·maxAbs ≈ 1 (exact scaling, avoids overflow/underflow in the decompositions). */
export const pow2Scale = (mx: number): number => {
  if (mx === 0 || !Number.isFinite(mx)) return 1
  const e = Math.round(Math.log2(mx))
  return Math.pow(2, -Math.max(-1000, Math.min(1000, e)))
}

export const checkPositiveInt = (op: string, name: string, v: number, min = 1): void => {
  if (!Number.isInteger(v) || v < min) throw new InvalidArgument(op, name, `must be an integer ≥ ${min}, got ${v}`)
}

/** A fresh row-major [rows, cols] matrix of the dtype of `like` from an f64 row-major work array
 *  `w` of shape [rows, cols] (or [cols, rows] read transposed when `transposed`), times `scale`. */
export const fromWork = <T extends Float>(like: Mat<T> | T, w: Float64Array, rows: number, cols: number,
  opts: { readonly transposed: boolean; readonly scale: number; readonly srcCols?: number }): Mat<T> => {
  const out = allocLike(like, rows * cols)
  const sc = opts.scale
  if (opts.transposed) {
    const ld = opts.srcCols ?? rows
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = w[j * ld + i]! * sc
  } else {
    const ld = opts.srcCols ?? cols
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[i * cols + j] = w[i * ld + j]! * sc
  }
  return { data: out, shape: [rows, cols], stride: [cols, 1], offset: 0 }
}

/** A fresh vector of the dtype of `like` from f64 `w` times `scale`. */
export const vecFromWork = <T extends Float>(like: Mat<T> | T, w: Float64Array, scale: number): T => {
  const out = allocLike(like, w.length)
  for (let i = 0; i < w.length; i++) out[i] = w[i]! * scale
  return out
}
