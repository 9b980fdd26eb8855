import { InvalidArgument, NotFinite, type Float, type Mat } from '@lr/svd'

/** Checks that `m` is a well-formed strided matrix whose every element lies inside `m.data`. */
export const assertMat = (m: Mat, op: string, name: string): void => {
  if (typeof m !== 'object' || m === null || !(m.data instanceof Float32Array || m.data instanceof Float64Array))
    throw new InvalidArgument(op, name, 'expected a Mat over a Float32Array or Float64Array ({ data, shape, stride, offset })')
  const [r, c] = m.shape
  if (!Number.isInteger(r) || !Number.isInteger(c) || r < 0 || c < 0)
    throw new InvalidArgument(op, name, `shape [${r}, ${c}] must be two non-negative integers`)
  if (r === 0 || c === 0) return
  const lo = m.offset + Math.min(0, (r - 1) * m.stride[0]) + Math.min(0, (c - 1) * m.stride[1])
  const hi = m.offset + Math.max(0, (r - 1) * m.stride[0]) + Math.max(0, (c - 1) * m.stride[1])
  if (!Number.isInteger(lo) || lo < 0 || hi >= m.data.length)
    throw new InvalidArgument(op, name, `view [${r}, ${c}] stride [${m.stride.join(', ')}] offset ${m.offset} reaches outside its data (length ${m.data.length})`)
}

/** Throws NotFinite at the first NaN/±Inf of `m`. */
export const assertFinite = (m: Mat, op: string, name: string): void => {
  const [r, c] = m.shape, d = m.data, s0 = m.stride[0], s1 = m.stride[1]
  for (let i = 0; i < r; i++) {
    const base = m.offset + i * s0
    for (let j = 0; j < c; j++) {
      const v = d[base + j * s1]!
      if (!Number.isFinite(v)) throw new NotFinite(op, name, [i, j], v)
    }
  }
}

/** An integer option inside [lo, hi], else InvalidArgument naming it. */
export const assertIntIn = (op: string, name: string, v: number, lo: number, hi: number): void => {
  if (!Number.isInteger(v) || v < lo || v > hi) throw new InvalidArgument(op, name, `${v} is not an integer in [${lo}, ${hi}]`)
}

/** A new row-major array of the same element type as `like`. */
export const floatLike = (like: Float, n: number): Float => (like instanceof Float32Array ? new Float32Array(n) : new Float64Array(n))
