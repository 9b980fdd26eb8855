import t from 'tap'
import type { Mat } from '@lr/svd'
import { lowRankApplyGpu, uploadLowRank } from '../src/index.js'
import { f32Tol, maxScaledError, openContext, randomMat } from './helpers.js'

/** f64 reference Y = U·diag(s)·Vt·X and the magnitude |U|·|diag(s)|·|Vt|·|X| that bounds f32 rounding. */
const ref = (u: Mat, s: Float32Array, vt: Mat, x: Mat) => {
  const [m, r] = u.shape, n = vt.shape[1], b = x.shape[1]
  const z = new Float64Array(r * b), za = new Float64Array(r * b)
  for (let i = 0; i < r; i++) for (let k = 0; k < n; k++) {
    const v = s[i]! * vt.data[i * n + k]!
    for (let j = 0; j < b; j++) { z[i * b + j]! += v * x.data[k * b + j]!; za[i * b + j]! += Math.abs(v * x.data[k * b + j]!) }
  }
  const y = new Float64Array(m * b), ya = new Float64Array(m * b)
  for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) {
    const v = u.data[i * r + k]!
    for (let j = 0; j < b; j++) { y[i * b + j]! += v * z[k * b + j]!; ya[i * b + j]! += Math.abs(v) * za[k * b + j]! }
  }
  return { y, ya }
}

t.test('y = U·(S·(Vᵀ·x)) matches the dense reference for vectors and batches', async (t) => {
  const ctx = await openContext(t)
  for (const [m, n, r, b] of [[1, 1, 1, 1], [129, 127, 8, 1], [128, 300, 16, 1], [200, 129, 12, 5], [64, 64, 64, 4]] as const) {
    const u = randomMat(m, r, m), vt = randomMat(r, n, n), x = randomMat(n, b, b + 3)
    const s = new Float32Array(r).map((_, i) => 1 / (1 + i))
    const f = await uploadLowRank(ctx, { u, s, vt })()
    if (f._tag === 'Left') { t.fail(f.left.message); continue }
    const got = await lowRankApplyGpu(ctx, f.right, x)()
    f.right.destroy()
    if (got._tag === 'Left') { t.fail(got.left.message); continue }
    const { y, ya } = ref(u, s, vt, x)
    // two chained f32 products: the bound of each, over the combined magnitude
    const err = maxScaledError(got.right, y, ya)
    t.ok(err <= f32Tol(n) + f32Tol(r), `${m}x${n} r=${r} b=${b}: ${err.toExponential(2)}`)
  }
  t.equal(ctx.stats().liveBuffers, ctx.stats().pooledBuffers, 'every temporary is released')
})

t.test('shape errors', async (t) => {
  const ctx = await openContext(t)
  const bad = await uploadLowRank(ctx, { u: randomMat(4, 2, 1), s: new Float32Array(3), vt: randomMat(2, 5, 1) })()
  t.equal(bad._tag === 'Left' && bad.left._tag, 'ShapeMismatch')
  const f = await uploadLowRank(ctx, { u: randomMat(4, 2, 1), s: new Float32Array(2), vt: randomMat(2, 5, 1) })()
  if (f._tag === 'Left') return t.fail(f.left.message)
  const r = await lowRankApplyGpu(ctx, f.right, randomMat(4, 1, 1))()
  t.equal(r._tag === 'Left' && r.left._tag, 'ShapeMismatch')
  f.right.destroy()
})
