import t from 'tap'
import type { Test } from 'tap'
import type { Mat } from '@lr/svd'
import { choleskyQr2Gpu } from '../src/index.js'
import { openContext, randomMat } from './helpers.js'

const U32 = 2 ** -24
/** Orthogonality bound of CholeskyQR2 (Yamamoto et al. 2015): ‖QᵀQ − I‖_F ≤ 6(mk + k(k+1))·u. */
const orthTol = (m: number, k: number): number => 6 * (m * k + k * (k + 1)) * U32

const check = (t: Test, x: Mat<Float32Array>, q: Mat<Float32Array>, r: Mat<Float32Array>, label: string) => {
  const [m, k] = x.shape
  let orth = 0, resid = 0, norm = 0, lower = 0, minDiag = Infinity
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) {
    let s = 0
    for (let p = 0; p < m; p++) s += q.data[p * k + i]! * q.data[p * k + j]!
    orth += (s - (i === j ? 1 : 0)) ** 2
    if (i > j) lower = Math.max(lower, Math.abs(r.data[i * k + j]!))
    if (i === j) minDiag = Math.min(minDiag, r.data[i * k + i]!)
  }
  for (let p = 0; p < m; p++) for (let j = 0; j < k; j++) {
    let s = 0
    for (let i = 0; i <= j; i++) s += q.data[p * k + i]! * r.data[i * k + j]!
    resid += (s - x.data[p * k + j]!) ** 2
    norm += x.data[p * k + j]! ** 2
  }
  t.ok(Math.sqrt(orth) <= orthTol(m, k), `${label}: ‖QᵀQ − I‖ = ${Math.sqrt(orth).toExponential(2)} <= ${orthTol(m, k).toExponential(2)}`)
  t.ok(Math.sqrt(resid / norm) <= orthTol(m, k), `${label}: ‖QR − X‖/‖X‖ = ${Math.sqrt(resid / norm).toExponential(2)}`)
  t.equal(lower, 0, `${label}: R is upper triangular`)
  t.ok(minDiag > 0, `${label}: positive diagonal`)
}

t.test('CholeskyQR2 of tall-skinny matrices straddling the tile edges', async (t) => {
  const ctx = await openContext(t)
  for (const [m, k] of [[1, 1], [127, 1], [128, 64], [129, 65], [1000, 16], [300, 129]] as const) {
    const x = randomMat(m, k, m + k)
    const r = await choleskyQr2Gpu(ctx, x)()
    if (r._tag === 'Left') { t.fail(r.left.message); continue }
    check(t, x, r.right.q, r.right.r, `${m}x${k}`)
  }
})

t.test('an ill-conditioned matrix (κ ≈ 1e6) goes through the shifted step', async (t) => {
  const ctx = await openContext(t)
  const m = 500, k = 12
  const x = randomMat(m, k, 3)
  for (let p = 0; p < m; p++) for (let j = 0; j < k; j++) x.data[p * k + j] = x.data[p * k + j]! * 10 ** (-j / 2)
  const r = await choleskyQr2Gpu(ctx, x)()
  if (r._tag === 'Left') return t.fail(r.left.message)
  check(t, x, r.right.q, r.right.r, 'graded columns')
})

t.test('wide input and a zero column are clear errors', async (t) => {
  const ctx = await openContext(t)
  const wide = await choleskyQr2Gpu(ctx, randomMat(3, 5, 1))()
  t.equal(wide._tag === 'Left' && wide.left._tag, 'InvalidArgument')
  const z = randomMat(20, 3, 1)
  for (let p = 0; p < 20; p++) z.data[p * 3 + 1] = 0
  const zero = await choleskyQr2Gpu(ctx, z)()
  t.equal(zero._tag === 'Left' && zero.left._tag, 'InvalidArgument')
})
