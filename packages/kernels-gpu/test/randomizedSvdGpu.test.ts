import t from 'tap'
import { gpuLinearOperator, randomizedSvdGpu, uploadMat } from '../src/index.js'
import { f32Tol, maxScaledError, normalRng, openContext, randomMat, refGemm, withSpectrum } from './helpers.js'

t.test('recovers a known spectrum; U, V orthonormal; residual is the optimal tail', async (t) => {
  const ctx = await openContext(t)
  for (const [m, n] of [[300, 200], [129, 257]] as const) {
    const sigma = Array.from({ length: 60 }, (_, i) => 0.7 ** i)
    const a = withSpectrum(m, n, sigma, m)
    const rank = 10
    const r = await randomizedSvdGpu(ctx, a, { rank, oversample: 10, powerIters: 2, rng: normalRng(42) })()
    if (r._tag === 'Left') { t.fail(r.left.message); continue }
    const { u, s, vt } = r.right
    t.same([u.shape, vt.shape, s.length], [[m, rank], [rank, n], rank])
    // f32 products of A: absolute errors of order 1e-5·√n·σ₁ (the f32 GEMM bound times ‖A‖)
    const tol = f32Tol(Math.max(m, n)) * sigma[0]!
    const worst = Math.max(...sigma.slice(0, rank).map((x, i) => Math.abs(s[i]! - x)))
    t.ok(worst <= tol, `${m}x${n}: max |s_i − σ_i| = ${worst.toExponential(2)} <= ${tol.toExponential(2)}`)
    for (const [name, q, rows, isCols] of [['U', u.data, m, true], ['Vᵀ', vt.data, n, false]] as const) {
      let orth = 0
      for (let i = 0; i < rank; i++) for (let j = 0; j < rank; j++) {
        let d = 0
        for (let p = 0; p < rows; p++) d += isCols ? q[p * rank + i]! * q[p * rank + j]! : q[i * rows + p]! * q[j * rows + p]!
        orth = Math.max(orth, Math.abs(d - (i === j ? 1 : 0)))
      }
      t.ok(orth <= f32Tol(rows), `${name} orthonormal: ${orth.toExponential(2)}`)
    }
    let resid = 0
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let x = 0
      for (let p = 0; p < rank; p++) x += u.data[i * rank + p]! * s[p]! * vt.data[p * n + j]!
      resid += (a.data[i * n + j]! - x) ** 2
    }
    const optimal = Math.sqrt(sigma.slice(rank).reduce((acc, x) => acc + x * x, 0))
    t.ok(Math.sqrt(resid) <= optimal * (1 + 1e-3) + tol, `‖A − USVᵀ‖_F = ${Math.sqrt(resid).toExponential(3)} vs optimal ${optimal.toExponential(3)}`)
  }
})

t.test('deterministic for a seed; argument errors are tagged', async (t) => {
  const ctx = await openContext(t)
  const a = randomMat(64, 48, 1)
  const r1 = await randomizedSvdGpu(ctx, a, { rank: 4, rng: normalRng(7) })()
  const r2 = await randomizedSvdGpu(ctx, a, { rank: 4, rng: normalRng(7) })()
  t.same(r1._tag === 'Right' && [...r1.right.s], r2._tag === 'Right' && [...r2.right.s], 'same seed, same bits')
  const bad = await randomizedSvdGpu(ctx, a, { rank: 49, rng: normalRng(7) })()
  t.equal(bad._tag === 'Left' && bad.left._tag, 'InvalidArgument')
  t.equal(ctx.stats().liveBuffers, ctx.stats().pooledBuffers, 'no GpuMat left behind')
})

t.test('gpuLinearOperator: matmul and rmatmul match the reference', async (t) => {
  const ctx = await openContext(t)
  const a = randomMat(129, 70, 3)
  const ga = await uploadMat(ctx, a)()
  if (ga._tag === 'Left') return t.fail(ga.left.message)
  const op = gpuLinearOperator(ctx, ga.right)
  t.same(op.shape, [129, 70])
  const x = randomMat(70, 5, 4), y = randomMat(129, 3, 5)
  const ax = await op.matmul(x), aty = await op.rmatmul(y)
  const rx = refGemm(a, x), ry = refGemm({ data: a.data, shape: [70, 129], stride: [1, 70], offset: 0 }, y)
  t.ok(maxScaledError(ax, rx.c, rx.mag) <= f32Tol(70), 'A·X')
  t.ok(maxScaledError(aty, ry.c, ry.mag) <= f32Tol(129), 'Aᵀ·Y')
  await t.rejects(op.matmul(randomMat(3, 3, 1)) as Promise<unknown>, { _tag: 'ShapeMismatch' })
  ga.right.destroy()
})

t.test("@lr/svd's randomizedSvdAsync runs its products on the GPU through gpuLinearOperator", async (t) => {
  const { randomizedSvdAsync, seededRng } = await import('@lr/svd')
  const ctx = await openContext(t)
  const sigma = Array.from({ length: 30 }, (_, i) => 0.6 ** i)
  const a = withSpectrum(200, 150, sigma, 5)
  const ga = await uploadMat(ctx, a)()
  if (ga._tag === 'Left') return t.fail(ga.left.message)
  const op = gpuLinearOperator(ctx, ga.right)
  let calls = 0
  const counted = { ...op, matmul: (x: Parameters<typeof op.matmul>[0]) => { calls++; return op.matmul(x) }, rmatmul: (y: Parameters<typeof op.rmatmul>[0]) => { calls++; return op.rmatmul(y) } }
  const { s } = await randomizedSvdAsync(counted, { rank: 8, oversample: 8, powerIters: 2, rng: seededRng(3) })
  ga.right.destroy()
  const tol = f32Tol(200) * sigma[0]!
  const worst = Math.max(...sigma.slice(0, 8).map((x, i) => Math.abs(s[i]! - x)))
  t.ok(worst <= tol, `max |s_i − σ_i| = ${worst.toExponential(2)} <= ${tol.toExponential(2)}`)
  t.ok(calls >= 5, `${calls} operator products ran on the GPU`)
})
