// The blocked (BLAS-3) decompositions equal the unblocked reference kernels up to rounding: same
// reflectors, τ, R, bidiagonal d/e and orthogonal factors. Sizes straddle the panel width (32) and
// the blocking threshold (64); every path (TS, SIMD, SIMD + 2 threads) is checked.
import t from 'tap'
import { setCpuOptions } from '../src/cpuOptions.js'
import { formQ, qrFactor } from '../src/internal/qrKernel.js'
import { bidiagonalize, formUt, formVt } from '../src/internal/svdKernel.js'
import { formQBlocked, qrFactorBlocked } from '../src/internal/blocked/qrBlocked.js'
import { bidiagonalizeBlocked, formUtBlocked, formVtBlocked } from '../src/internal/blocked/bidiagBlocked.js'

// f64 Householder algorithms are backward stable: entries agree to O(n·ε)·‖A‖ (ε = 2⁻⁵²); we allow
// 8·max(m, n)·ε relative to the largest entry, a bound both versions satisfy with room.
const EPS = 2 ** -52
const tolFor = (m: number, n: number): number => 8 * Math.max(m, n) * EPS

const rand = (len: number, seed: number): Float64Array => {
  let s = seed >>> 0
  const x = new Float64Array(len)
  for (let i = 0; i < len; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; x[i] = s / 2 ** 32 - 0.5 }
  return x
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let e = 0; for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!)); return e }
const maxAbs = (a: ArrayLike<number>): number => { let e = 0; for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]!)); return e }

const paths = [{ kernel: 'ts', threads: 1 }, { kernel: 'simd', threads: 1 }, { kernel: 'relaxed-simd', threads: 1 }, { kernel: 'relaxed-simd', threads: 2 }] as const
const shapes = [[150, 100], [100, 100], [64, 64], [97, 65], [200, 31], [130, 129]] as const

for (const path of paths) {
  t.test(`blocked QR (compact WY) = unblocked QR, ${path.kernel} × ${path.threads}`, async (t) => {
    setCpuOptions(path)
    for (const [m, n] of shapes) {
      const a0 = rand(m * n, m * 7 + n)
      const a1 = a0.slice(), a2 = a0.slice()
      const tau1 = qrFactor(m, n, a1), tau2 = qrFactorBlocked(m, n, a2)
      const tol = tolFor(m, n) * Math.max(1, maxAbs(a1))
      t.ok(maxDiff(a1, a2) <= tol && maxDiff(tau1, tau2) <= tolFor(m, n) * 2, `${m}×${n}: R and reflectors differ by ${maxDiff(a1, a2).toExponential(2)} ≤ ${tol.toExponential(2)}`)
      const k = Math.min(m, n)
      const q1 = formQ(m, n, a1, tau1, k), q2 = formQBlocked(m, n, a1, tau1, k)
      t.ok(maxDiff(q1, q2) <= tolFor(m, n), `${m}×${n}: Q differs by ${maxDiff(q1, q2).toExponential(2)}`)
    }
  })

  t.test(`blocked bidiagonalization (labrd) reconstructs A = Q·B·Pᵀ like unblocked dgebd2, ${path.kernel} × ${path.threads}`, async (t) => {
    setCpuOptions(path)
    for (const [m, n] of shapes) {
      const a0 = rand(m * n, m * 11 + n)
      const a1 = a0.slice(), a2 = a0.slice()
      const r1 = bidiagonalize(m, n, a1), r2 = bidiagonalizeBlocked(m, n, a2)
      // d, e are not unique up to rounding entry by entry (trailing entries are sensitive), but
      // Q·B·Pᵀ must reproduce A to backward-stable accuracy, with Q, P orthogonal
      const ut = formUtBlocked(m, n, m, a2, r2.tauq), vt = formVtBlocked(n, a2, r2.taup)
      const bv = new Float64Array(m * n) // B·Pᵀ, row i = d_i·vt_i + e_i·vt_{i+1}
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) bv[i * n + j] = r2.d[i]! * vt[i * n + j]! + (i + 1 < n ? r2.e[i]! * vt[(i + 1) * n + j]! : 0)
      let err = 0, norm = 0
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
        let s = 0
        for (let p = 0; p < n; p++) s += ut[p * m + i]! * bv[p * n + j]!
        err += (s - a0[i * n + j]!) ** 2; norm += a0[i * n + j]! ** 2
      }
      const rel = Math.sqrt(err / norm)
      t.ok(rel <= tolFor(m, n), `${m}×${n}: ‖A − Q·B·Pᵀ‖/‖A‖ = ${rel.toExponential(2)} ≤ ${tolFor(m, n).toExponential(2)}`)
      let orth = 0
      for (let i = 0; i < m; i++) for (let j = 0; j <= i; j++) { let s = 0; for (let p = 0; p < m; p++) s += ut[i * m + p]! * ut[j * m + p]!; orth = Math.max(orth, Math.abs(s - (i === j ? 1 : 0))) }
      t.ok(orth <= tolFor(m, n), `${m}×${n}: max |QᵀQ − I| = ${orth.toExponential(2)}`)
      // the same reflectors give the same factors in blocked and unblocked form
      const u1 = formUt(m, n, n, a1, r1.tauq), u2 = formUtBlocked(m, n, n, a1, r1.tauq)
      const v1 = formVt(n, a1, r1.taup), v2 = formVtBlocked(n, a1, r1.taup)
      t.ok(maxDiff(u1, u2) <= tolFor(m, n) && maxDiff(v1, v2) <= tolFor(m, n), `${m}×${n}: Uᵀ, Vᵀ differ by ${Math.max(maxDiff(u1, u2), maxDiff(v1, v2)).toExponential(2)}`)
      // and the unblocked d, e agree to the first-order sensitivity of the trailing entries
      const loose = 1e4 * tolFor(m, n) * Math.max(maxAbs(r1.d), maxAbs(r1.e))
      t.ok(maxDiff(r1.d, r2.d) <= loose && maxDiff(r1.e, r2.e) <= loose, `${m}×${n}: d, e differ from dgebd2 by ${Math.max(maxDiff(r1.d, r2.d), maxDiff(r1.e, r2.e)).toExponential(2)}`)
    }
  })
}
t.teardown(() => { setCpuOptions({ kernel: 'auto', threads: 0 }) })

// tallSkinnyQr (randomizedSvd's orthonormalization): CholeskyQR2 when Y is well conditioned, the
// blocked Householder QR otherwise. Either way Q has orthonormal columns to O(n·ε), R is upper
// triangular and Q·R = Y to O(n·ε)·‖Y‖; ill-conditioned, rank-deficient and zero Y take the fallback.
const gramErr = (m: number, n: number, q: Float64Array): number => {
  let e = 0
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) {
    let s = 0
    for (let p = 0; p < m; p++) s += q[p * n + i]! * q[p * n + j]!
    e = Math.max(e, Math.abs(s - (i === j ? 1 : 0)))
  }
  return e
}
const qrResidual = (m: number, n: number, q: Float64Array, r: Float64Array, y: Float64Array): number => {
  let e = 0
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0
    for (let p = 0; p <= j; p++) s += q[i * n + p]! * r[p * n + j]!
    e = Math.max(e, Math.abs(s - y[i * n + j]!))
  }
  return e
}
/** Y [m, n] with singular values 1 … 10^(−decades) (geometric), dense factors: Y = G·diag·H with G's
 *  columns orthonormalized, built from the Householder QR of Gaussian-ish blocks. */
const graded = (m: number, n: number, decades: number, seed: number): Float64Array => {
  const g = rand(m * n, seed), tau = qrFactor(m, n, g), u = formQ(m, n, g, tau, n)
  const y = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) y[i * n + j] = u[i * n + j]! * 10 ** (-decades * j / Math.max(1, n - 1))
  const h = rand(n * n, seed + 1), th = qrFactor(n, n, h), v = formQ(n, n, h, th, n), out = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < n; p++) s += y[i * n + p]! * v[p * n + j]!; out[i * n + j] = s }
  return out
}
for (const path of paths) {
  t.test(`tallSkinnyQr: orthonormal Q, upper R, Q·R = Y (CholeskyQR2 and its Householder fallback), ${path.kernel} × ${path.threads}`, async (t) => {
    const { tallSkinnyQr } = await import('../src/internal/tallSkinnyQr.js')
    setCpuOptions(path)
    const cases: [string, number, number, Float64Array][] = [
      ['Gaussian 2000×40', 2000, 40, rand(2000 * 40, 11)],
      ['κ = 1e4 600×74', 600, 74, graded(600, 74, 4, 12)],
      ['κ = 1e12 (fallback) 600×74', 600, 74, graded(600, 74, 12, 13)],
      ['rank 5 of 600×74 (fallback)', 600, 74, graded(600, 74, 0, 14).map((v, i) => (i % 74 < 5 ? v : 0))],
      ['zero 512×40 (fallback)', 512, 40, new Float64Array(512 * 40)],
      ['small 30×10 (Householder)', 30, 10, rand(300, 15)],
    ]
    for (const [name, m, n, y] of cases) {
      const y0 = y.slice()
      const { q, r } = tallSkinnyQr(m, n, y)
      const tol = 8 * Math.max(m, n) * EPS
      let lower = 0
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) lower = Math.max(lower, Math.abs(r[i * n + j]!))
      t.ok(gramErr(m, n, q) <= tol, `${name}: ‖QᵀQ − I‖_max = ${gramErr(m, n, q).toExponential(2)} ≤ ${tol.toExponential(2)}`)
      t.ok(lower === 0, `${name}: R upper triangular`)
      const res = qrResidual(m, n, q, r, y), scale = Math.max(1e-300, maxAbs(y))
      t.ok(res <= tol * scale * Math.sqrt(n), `${name}: ‖QR − Y‖_max / ‖Y‖_max = ${(res / scale).toExponential(2)}`)
      t.ok(maxDiff(y, y0) === 0, `${name}: input unchanged`)
    }
  })
}

t.test('tallSkinnyQr isBasisOnly: one CholeskyQR pass spans Y with ‖QᵀQ − I‖ = O(κ²u); ill-conditioned Y takes the full path', async (t) => {
  const { tallSkinnyQr } = await import('../src/internal/tallSkinnyQr.js')
  setCpuOptions({ kernel: 'auto', threads: 2 })
  for (const [name, decades, bound] of [['κ = 1e2', 2, 1e-10], ['κ = 1e12', 12, 8 * 600 * EPS]] as const) {
    const m = 600, n = 74, y = graded(m, n, decades, 21)
    const { q } = tallSkinnyQr(m, n, y, { isBasisOnly: true })
    t.ok(gramErr(m, n, q) <= bound, `${name}: ‖QᵀQ − I‖_max = ${gramErr(m, n, q).toExponential(2)} ≤ ${bound.toExponential(2)}`)
    // span: Y − Q·(QᵀY) ≈ 0 relative to ‖Y‖
    let res = 0
    const qty = new Float64Array(n * n)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < m; p++) s += q[p * n + i]! * y[p * n + j]!; qty[i * n + j] = s }
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let p = 0; p < n; p++) s += q[i * n + p]! * qty[p * n + j]!; res = Math.max(res, Math.abs(s - y[i * n + j]!)) }
    t.ok(res <= 1e-10 * maxAbs(y), `${name}: Y lies in span(Q) (residual ${(res / maxAbs(y)).toExponential(2)})`)
  }
  setCpuOptions({ kernel: 'auto', threads: 0 })
})
