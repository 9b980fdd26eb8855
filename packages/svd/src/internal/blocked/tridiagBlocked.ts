/**
 * Blocked tridiagonalization of a symmetric matrix (LAPACK dsytrd with dlatrd panels). Each panel of
 * NB rows is reduced with matrix–vector products that also build W [N, nb], after which the trailing
 * matrix gets the whole panel's update as two GEMMs: A ← A − V·Wᵀ − W·Vᵀ (dsyr2k, both triangles kept).
 * Storage is exactly that of the unblocked reduction in eigKernel.ts (full symmetric row-major a[n, n];
 * reflector k stored in row k right of the superdiagonal, v₀ = 1 implicit; d, e, τ), so the same
 * back-transformation applies. Row-major f64 work arrays.
 * @internal
 */
import { gemmKernel, gemvKernel, gerKernel } from '../gemmKernel.js'
import { larfg } from '../householder.js'

/** Panel height. */
const NB = 32
/** Below this many rows the trailing block is reduced unblocked (dsytd2). */
const MIN_BLOCKED = 2 * NB

export interface TridiagResult {
  readonly d: Float64Array   // diagonal [n]
  readonly e: Float64Array   // off-diagonal [n] (e[n−1] = 0)
  readonly tau: Float64Array // reflector k in row k of a (τ[n−2] = τ[n−1] = 0)
}

/** dsytrd on full symmetric row-major a[n, n] (overwritten with the reflectors): A = Q·T·Qᵀ, Q = H₀⋯H_{n−3}. */
export const tridiagonalizeBlocked = (n: number, a: Float64Array): TridiagResult => {
  const d = new Float64Array(n), e = new Float64Array(n), tau = new Float64Array(n)
  const v = new Float64Array(n), p = new Float64Array(n)
  const w = new Float64Array(n * NB)
  let i0 = 0
  for (; n - i0 >= MIN_BLOCKED; i0 += NB) {
    latrd(n, a, i0, NB, d, e, tau, w, v)
    // trailing update A[i0+nb:, i0+nb:] −= V·Wᵀ + W·Vᵀ with V(r, j) = a[(i0 + j)·n + i0 + nb + r]
    // (reflectors along rows) and W [N, nb] column-major (ld N = n − i0)
    const r0 = i0 + NB, N = n - r0, ldw = n - i0
    gemmKernel(N, N, NB, -1, a, 1, n, i0 * n + r0, w, ldw, 1, NB, 1, a, n, 1, r0 * n + r0)
    gemmKernel(N, N, NB, -1, w, 1, ldw, NB, a, n, 1, i0 * n + r0, 1, a, n, 1, r0 * n + r0)
    for (let j = i0; j < r0; j++) a[j * n + j + 1] = e[j]!
  }
  tridiagonalizeUnblockedFrom(n, a, i0, { d, e, tau }, v, p)
  return { d, e, tau }
}

/** dsytd2 on full symmetric row-major a[n, n] from row k0 on (rows before k0 already reduced): the
 *  trailing update is symv + two rank-1 updates through the seam. v, p: work vectors of length ≥ n. */
export const tridiagonalizeUnblockedFrom = (n: number, a: Float64Array, k0: number, res: TridiagResult, v: Float64Array, p: Float64Array): void => {
  const { d, e, tau } = res
  for (let k = k0; k < n - 2; k++) {
    const r = n - k - 1
    const row = k * n + k + 1
    const t = larfg(r, a, row, 1, v)
    tau[k] = t
    d[k] = a[k * n + k]!
    e[k] = a[row]!
    if (t !== 0) {
      const o = (k + 1) * n + k + 1
      gemvKernel(r, r, t, a, n, 1, o, v, 1, 0, 0, p, 1, 0)          // p = τ·A22·v
      let pv = 0
      for (let i = 0; i < r; i++) pv += p[i]! * v[i]!
      const alpha = -0.5 * t * pv
      for (let i = 0; i < r; i++) p[i] = p[i]! + alpha * v[i]!       // w = p + α·v
      gerKernel(r, r, -1, v, 1, 0, p, 1, 0, a, n, 1, o)              // A22 −= v·wᵀ
      gerKernel(r, r, -1, p, 1, 0, v, 1, 0, a, n, 1, o)              // A22 −= w·vᵀ
    }
  }
  if (n >= 2) { d[n - 2] = a[(n - 2) * n + n - 2]!; e[n - 2] = a[(n - 2) * n + n - 1]!; d[n - 1] = a[n * n - 1]! }
  else if (n === 1) d[0] = a[0]!
}

/** dlatrd (uplo 'L' in LAPACK's column view = rows here by symmetry): reduces rows i0 … i0+nb−1 and
 *  returns W [N, nb] column-major (ld N = n − i0) for the trailing update. Local (r, c) is
 *  a[(i0 + r)·n + i0 + c]; reflector j's entries v_j(r) = a_local(j, r) for r > j. */
const latrd = (n: number, a: Float64Array, i0: number, nb: number, d: Float64Array, e: Float64Array,
  tau: Float64Array, w: Float64Array, v: Float64Array): void => {
  const N = n - i0, ldw = N
  const A = (r: number, c: number): number => (i0 + r) * n + i0 + c
  const W = (r: number, c: number): number => c * ldw + r
  for (let i = 0; i < nb; i++) {
    if (i > 0) {
      // row i (= column i by symmetry): A(i, i:N) −= V(i:N, 0:i)·W(i, 0:i)ᵀ + W(i:N, 0:i)·V(i, 0:i)ᵀ
      gemvKernel(N - i, i, -1, a, 1, n, A(0, i), w, ldw, W(i, 0), 1, a, 1, A(i, i))
      gemvKernel(N - i, i, -1, w, 1, ldw, W(i, 0), a, n, A(0, i), 1, a, 1, A(i, i))
    }
    // reflector H(i) annihilating A(i, i+2:N)
    const t = larfg(N - i - 1, a, A(i, i + 1), 1, v)
    tau[i0 + i] = t
    d[i0 + i] = a[A(i, i)]!
    e[i0 + i] = a[A(i, i + 1)]!
    a[A(i, i + 1)] = 1
    // W(i+1:N, i) = τ·(A22·v − V·(Wᵀv) − W·(Vᵀv)); then W += α·v, α = −½τ·(Wᵀv)
    const len = N - i - 1
    gemvKernel(len, len, 1, a, n, 1, A(i + 1, i + 1), a, 1, A(i, i + 1), 0, w, 1, W(i + 1, i))
    if (i > 0) {
      gemvKernel(i, len, 1, w, ldw, 1, W(i + 1, 0), a, 1, A(i, i + 1), 0, w, 1, W(0, i))
      gemvKernel(len, i, -1, a, 1, n, A(0, i + 1), w, 1, W(0, i), 1, w, 1, W(i + 1, i))
      gemvKernel(i, len, 1, a, n, 1, A(0, i + 1), a, 1, A(i, i + 1), 0, w, 1, W(0, i))
      gemvKernel(len, i, -1, w, 1, ldw, W(i + 1, 0), w, 1, W(0, i), 1, w, 1, W(i + 1, i))
    }
    let wv = 0
    for (let r = 0; r < len; r++) { w[W(i + 1 + r, i)] = t * w[W(i + 1 + r, i)]!; wv += w[W(i + 1 + r, i)]! * a[A(i, i + 1 + r)]! }
    const alpha = -0.5 * t * wv
    for (let r = 0; r < len; r++) w[W(i + 1 + r, i)] = w[W(i + 1 + r, i)]! + alpha * a[A(i, i + 1 + r)]!
  }
}
