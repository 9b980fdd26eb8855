import { ShapeMismatch, NotFinite, InvalidArgument, type Float, type Mat } from '@lr/svd'
import { matrix } from '@lr/svd'

/** A contiguous row-major f64 copy of any view. */
export const toF64 = (m: Mat): Mat<Float64Array> => {
  const [r, c] = m.shape
  const out = new Float64Array(r * c)
  const d = m.data, s0 = m.stride[0], s1 = m.stride[1]
  for (let i = 0; i < r; i++) {
    const base = m.offset + i * s0, o = i * c
    for (let j = 0; j < c; j++) out[o + j] = d[base + j * s1]!
  }
  return matrix(out, r, c)
}

/** A contiguous copy of `m` in the dtype of `like` (f32 rounds to nearest). */
export const castLike = <T extends Float>(m: Mat, like: Mat<T> | T): Mat<T> => {
  const data = ('data' in like ? like.data : like) as T
  const [r, c] = m.shape
  const out = (data instanceof Float32Array ? new Float32Array(r * c) : new Float64Array(r * c)) as T
  const d = m.data, s0 = m.stride[0], s1 = m.stride[1]
  for (let i = 0; i < r; i++) {
    const base = m.offset + i * s0, o = i * c
    for (let j = 0; j < c; j++) out[o + j] = d[base + j * s1]!
  }
  return matrix(out, r, c)
}

/** Validates a weight matrix for an init: 2-D Mat, finite, rank within 1..min(out, in). */
export const assertWeight = (op: string, w: Mat, rank: number, opts: { readonly checkFinite?: boolean } = {}): void => {
  if (!(w.data instanceof Float32Array || w.data instanceof Float64Array)) throw new InvalidArgument(op, 'w', 'expected a Float32Array or Float64Array matrix')
  const [m, n] = w.shape
  if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(m, n))
    throw new InvalidArgument(op, 'rank', `rank ${rank} is outside 1..min(out, in) = ${Math.min(m, n)} for a [${m}, ${n}] weight; lower the rank`)
  if (opts.checkFinite !== false) {
    const d = w.data, s0 = w.stride[0], s1 = w.stride[1]
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      const v = d[w.offset + i * s0 + j * s1]!
      if (!Number.isFinite(v)) throw new NotFinite(op, 'w', [i, j], v)
    }
  }
}

/** A = diag(√(s/scale)) · Vtᵣ [r, in] and B = Uᵣ · diag(√(s/scale)) [out, r] from a (partial) SVD, columns `idx`. */
export const splitSqrt = (u: Mat, s: ArrayLike<number>, vt: Mat, idx: readonly number[], scale: number): { a: Mat<Float64Array>; b: Mat<Float64Array> } => {
  const r = idx.length, m = u.shape[0], n = vt.shape[1]
  const a = new Float64Array(r * n), b = new Float64Array(m * r)
  for (let k = 0; k < r; k++) {
    const j = idx[k]!
    const g = Math.sqrt(s[j]! / scale)
    for (let c = 0; c < n; c++) a[k * n + c] = g * vt.data[vt.offset + j * vt.stride[0] + c * vt.stride[1]]!
    for (let i = 0; i < m; i++) b[i * r + k] = g * u.data[u.offset + i * u.stride[0] + j * u.stride[1]]!
  }
  return { a: matrix(a, r, n), b: matrix(b, m, r) }
}

/** W − scale · B · A in f64, `[out, in]` (B [out, r], A [r, in]). */
export const residualF64 = (w: Mat, b: Mat, a: Mat, scale: number): Mat<Float64Array> => {
  const [m, n] = w.shape, r = a.shape[0]
  if (b.shape[0] !== m || a.shape[1] !== n || b.shape[1] !== r) throw new ShapeMismatch('residual', 'w = [B.rows, A.cols]', w.shape, [b.shape[0], a.shape[1]])
  const out = toF64(w).data
  const row = new Float64Array(r)
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < r; k++) row[k] = scale * b.data[b.offset + i * b.stride[0] + k * b.stride[1]]!
    const o = i * n
    for (let k = 0; k < r; k++) {
      const bk = row[k]!
      if (bk === 0) continue
      const ab = a.offset + k * a.stride[0], a1 = a.stride[1], ad = a.data
      for (let j = 0; j < n; j++) out[o + j] = out[o + j]! - bk * ad[ab + j * a1]!
    }
  }
  return matrix(out, m, n)
}

/** Range 0..n-1 (or lo..hi-1). */
export const range = (lo: number, hi: number): number[] => Array.from({ length: Math.max(0, hi - lo) }, (_, i) => lo + i)
