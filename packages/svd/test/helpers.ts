// Shared test helpers (not a test file). Independent, naive f64 reference arithmetic.
import { readFileSync } from 'node:fs'
import * as E from 'fp-ts/lib/Either.js'
import { openCheckpoint } from '@lr/io-safetensors/node'
import { fileURLToPath } from 'node:url'
import { matrix, seededRng, type Float, type Mat } from '../src/index.js'

export const fixturesDir = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
export const refPath = (name: string): string => fileURLToPath(new URL(`./ref/${name}`, import.meta.url))
export const loadRef = <T>(name: string): T => (JSON.parse(readFileSync(refPath(name), 'utf8')) as { cases: T }).cases

/** Unit roundoff of each dtype; tolerances in tests are multiples of these. */
export const F64_TOL = 1e-12   // issue #3: f64 accuracy target
export const F32_TOL = 1e-5    // issue #3: f32 accuracy target
export const tolOf = (x: Float | Mat): number => (('data' in x ? x.data : x) instanceof Float32Array ? F32_TOL : F64_TOL)

export const get = (m: Mat, i: number, j: number): number => m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!

/** Naive f64 product of two views: [m, k]·[k, n]. */
export const mul = (a: Mat, b: Mat): Float64Array => {
  const [m, k] = a.shape, n = b.shape[1]
  const out = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const x = get(a, i, p)
    if (x === 0) continue
    for (let j = 0; j < n; j++) out[i * n + j] += x * get(b, p, j)
  }
  return out
}

export const froMat = (a: Mat): number => { let s = 0; for (let i = 0; i < a.shape[0]; i++) for (let j = 0; j < a.shape[1]; j++) { const v = get(a, i, j); s += v * v } return Math.sqrt(s) }

/** Contiguous f64 copy of a view, row-major, optionally transposed. */
export const dense = (a: Mat, transposed = false): Float64Array => {
  const [m, n] = a.shape
  const out = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[transposed ? j * m + i : i * n + j] = get(a, i, j)
  return out
}

/** ‖QᵀQ − I‖_F for the columns of q (naive f64 Gram matrix). */
export const orthErrCols = (q: Mat): number => {
  const [m, k] = q.shape
  const qt = dense(q, true) // [k, m]: row i = column i of q
  let s = 0
  for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) {
    let d = 0
    const oi = i * m, oj = j * m
    for (let p = 0; p < m; p++) d += qt[oi + p]! * qt[oj + p]!
    d -= i === j ? 1 : 0
    s += i === j ? d * d : 2 * d * d
  }
  return Math.sqrt(s)
}
/** ‖QQᵀ − I‖_F for the rows of q. */
export const orthErrRows = (q: Mat): number => orthErrCols({ ...q, shape: [q.shape[1], q.shape[0]], stride: [q.stride[1], q.stride[0]] })

/** ‖A − U·diag(s)·Vᵀ‖_F using the first k = s.length columns of u / rows of vt (naive f64). */
export const reconErr = (a: Mat, u: Mat, s: Float, vt: Mat): number => {
  const [m, n] = a.shape, k = s.length
  const A = dense(a), V = dense({ ...vt, shape: [k, n] }), row = new Float64Array(n)
  let e = 0
  for (let i = 0; i < m; i++) {
    row.set(A.subarray(i * n, i * n + n))
    for (let p = 0; p < k; p++) {
      const x = get(u, i, p) * s[p]!
      if (x === 0) continue
      const o = p * n
      for (let j = 0; j < n; j++) row[j] = row[j]! - x * V[o + j]!
    }
    for (let j = 0; j < n; j++) e += row[j]! * row[j]!
  }
  return Math.sqrt(e)
}

export const randn = (dtype: 'f32' | 'f64', m: number, n: number, seed: number): Mat => {
  const rng = seededRng(seed)
  const data = dtype === 'f32' ? new Float32Array(m * n) : new Float64Array(m * n)
  for (let i = 0; i < data.length; i++) data[i] = rng.normal()
  return matrix(data, m, n)
}

/** A strided, offset, column-major copy of a (same logical matrix) for view-invariance tests. */
export const asStridedView = <T extends Float>(a: Mat<T>, pad = 3): Mat<T> => {
  const [m, n] = a.shape
  const ld = m + 2
  const data = (a.data instanceof Float32Array ? new Float32Array(pad + ld * n + 5) : new Float64Array(pad + ld * n + 5)) as T
  data.fill(Number.NaN)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) data[pad + j * ld + i] = get(a, i, j)
  return { data, shape: [m, n], stride: [1, ld], offset: pad }
}

/** Every 2-D tensor of a checkpoint (file or directory) decoded to f32 by @lr/io-safetensors, sorted by name. */
export const readMatrices = async (path: string): Promise<{ name: string; shape: [number, number]; data: Float32Array }[]> => {
  const ck = await openCheckpoint(path)()
  if (E.isLeft(ck)) throw ck.left
  try {
    const out: { name: string; shape: [number, number]; data: Float32Array }[] = []
    for (const t of ck.right.tensors) {
      if (t.shape.length !== 2) continue
      const d = await ck.right.readFloat32(t.name)()
      if (E.isLeft(d)) throw d.left
      out.push({ name: t.name, shape: [t.shape[0]!, t.shape[1]!], data: d.right })
    }
    return out.sort((x, y) => (x.name < y.name ? -1 : 1))
  } finally { await ck.right.close() }
}

/** The first tensor whose name ends with `suffix`, as an f32 matrix (e.g. a calibration covariance). */
export const readMatrix = async (path: string, suffix: string): Promise<Mat<Float32Array>> => {
  const all = await readMatrices(path)
  const t = all.find((x) => x.name.endsWith(suffix))
  if (!t) throw new Error(`${path}: no tensor ending in "${suffix}"`)
  return matrix(t.data, t.shape[0], t.shape[1])
}
