import type { Test } from 'tap'
// Shared test helpers: a real GPU context (lavapipe in CI) and f64 CPU references.
import { create } from 'webgpu'
import type { Mat } from '@lr/svd'
import { createGpuContext, type GpuContext } from '../src/index.js'

/** Opens a GPU context or fails the test (GPU tests fail, never skip, without an adapter). */
export const openContext = async (t: Test): Promise<GpuContext> => {
  const r = await createGpuContext(create([]))()
  if (r._tag === 'Left') {
    t.fail(`no GPU context: ${r.left.message}`)
    throw r.left
  }
  t.teardown(() => r.right.destroy())
  return r.right
}

/** Deterministic values in [-1, 1) (xorshift32). */
export const randomMat = (rows: number, cols: number, seed: number): Mat<Float32Array> => {
  const data = new Float32Array(rows * cols)
  let s = seed >>> 0 || 1
  for (let i = 0; i < data.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0
    data[i] = s / 2 ** 31 - 1
  }
  return { data, shape: [rows, cols], stride: [cols, 1], offset: 0 }
}

const at = (m: Mat, i: number, j: number): number => m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!

/** f64 reference C = A·B and the elementwise magnitude (|A|·|B|) that bounds rounding errors. */
export const refGemm = (a: Mat, b: Mat, round: (x: number) => number = (x) => x): { c: Float64Array; mag: Float64Array } => {
  const [m, k] = a.shape, n = b.shape[1]
  const c = new Float64Array(m * n), mag = new Float64Array(m * n)
  const bd = new Float64Array(k * n)
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) bd[p * n + j] = round(at(b, p, j))
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = round(at(a, i, p)), aa = Math.abs(av)
      for (let j = 0; j < n; j++) { const bv = bd[p * n + j]!; c[i * n + j]! += av * bv; mag[i * n + j]! += aa * Math.abs(bv) }
    }
  }
  return { c, mag }
}

/** Largest |got − want| / mag over all entries (mag floored at the smallest normal f32). */
export const maxScaledError = (got: Mat, want: Float64Array, mag: Float64Array): number => {
  const n = got.shape[1]
  let worst = 0
  for (let i = 0; i < got.shape[0]; i++) for (let j = 0; j < n; j++) {
    const e = Math.abs(at(got, i, j) - want[i * n + j]!) / Math.max(mag[i * n + j]!, 1.2e-38)
    if (!(e <= worst)) worst = e
  }
  return worst
}

/** The f32 bound of STYLE §6: relative error ≤ 1e-5·√k (elementwise, relative to |A|·|B|). */
export const f32Tol = (k: number): number => 1e-5 * Math.sqrt(Math.max(k, 1))

/** A seeded standard-normal source (xorshift32 + Box–Muller), the shape of @lr/svd's Rng. */
export const normalRng = (seed: number): { normal(): number; uniform(): number } => {
  let s = seed >>> 0 || 1
  const uniform = () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 2 ** 32 }
  return { uniform, normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) }
}

/** A random m×k matrix with orthonormal columns (modified Gram–Schmidt twice, f64). */
export const orthonormal = (m: number, k: number, seed: number): Float64Array => {
  const rng = normalRng(seed)
  const q = new Float64Array(m * k).map(() => rng.normal())
  for (let pass = 0; pass < 2; pass++) for (let j = 0; j < k; j++) {
    for (let i = 0; i < j; i++) {
      let d = 0
      for (let p = 0; p < m; p++) d += q[p * k + i]! * q[p * k + j]!
      for (let p = 0; p < m; p++) q[p * k + j]! -= d * q[p * k + i]!
    }
    let nrm = 0
    for (let p = 0; p < m; p++) nrm += q[p * k + j]! ** 2
    nrm = Math.sqrt(nrm)
    for (let p = 0; p < m; p++) q[p * k + j]! /= nrm
  }
  return q
}

/** A = U0·diag(sigma)·V0ᵀ with random orthonormal U0 [m, k], V0 [n, k] (f32 storage, exact spectrum). */
export const withSpectrum = (m: number, n: number, sigma: readonly number[], seed: number): Mat<Float32Array> => {
  const k = sigma.length
  const u = orthonormal(m, k, seed), v = orthonormal(n, k, seed + 1)
  const a = new Float32Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0
    for (let p = 0; p < k; p++) s += u[i * k + p]! * sigma[p]! * v[j * k + p]!
    a[i * n + j] = s
  }
  return { data: a, shape: [m, n], stride: [n, 1], offset: 0 }
}
