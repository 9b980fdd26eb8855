import t from 'tap'
import { gemv, type Mat } from '@lr/svd'
import { gemvGpu, gemvGpuMat, uploadMat, downloadMat } from '../src/index.js'
import { f32Tol, maxScaledError, openContext, randomMat, refGemm } from './helpers.js'

const SIZES = [[1, 1], [127, 127], [128, 128], [129, 129], [129, 300], [300, 7], [1, 513]] as const
const col = (x: Float32Array): Mat<Float32Array> => ({ data: x, shape: [x.length, 1], stride: [1, 1], offset: 0 })
const tr = (m: Mat<Float32Array>): Mat<Float32Array> => ({ data: m.data, shape: [m.shape[1], m.shape[0]], stride: [m.stride[1], m.stride[0]], offset: m.offset })

t.test('gemvGpu matches the f64 reference within 1e-5·√n, for A and a transposed view', async (t) => {
  const ctx = await openContext(t)
  for (const [m, n] of SIZES) {
    const a = randomMat(m, n, m + n), x = randomMat(n, 1, 7).data
    for (const [name, op] of [['A', a], ['Aᵀ view', tr(randomMat(n, m, m * 3 + 1))]] as const) {
      const r = await gemvGpu(ctx, op, x, { alpha: 2 })()
      if (r._tag === 'Left') { t.fail(r.left.message); continue }
      const { c, mag } = refGemm(op, col(x))
      const err = maxScaledError(col(r.right), c.map((v) => 2 * v), mag.map((v) => 2 * v))
      t.ok(err <= f32Tol(n), `${name} ${m}x${n}: ${err.toExponential(2)}`)
      const cpu = gemv({ data: Float64Array.from(op.data), shape: op.shape, stride: op.stride, offset: op.offset }, Float64Array.from(x), { alpha: 2 })
      t.ok(maxScaledError(col(r.right), cpu, mag.map((v) => 2 * v)) <= f32Tol(n), `${name} ${m}x${n} vs @lr/svd gemv`)
    }
  }
})

t.test('multi-block A (rows split across buffers) for both kernels', async (t) => {
  const ctx = await openContext(t)
  const a = randomMat(301, 33, 4), x = randomMat(33, 1, 5), z = randomMat(301, 1, 6)
  const ga = await uploadMat(ctx, a, { maxBlockBytes: 40 * 33 * 4 })()
  const gx = await uploadMat(ctx, x)(), gz = await uploadMat(ctx, z)()
  if (ga._tag === 'Left' || gx._tag === 'Left' || gz._tag === 'Left') return t.fail('upload')
  t.ok(ga.right.blocks.length > 5)
  const y = await gemvGpuMat(ctx, ga.right, gx.right)()
  const w = await gemvGpuMat(ctx, ga.right, gz.right, { opA: 'transpose' })()
  if (y._tag === 'Left' || w._tag === 'Left') return t.fail('gemv')
  const yd = await downloadMat(ctx, y.right)(), wd = await downloadMat(ctx, w.right)()
  const ry = refGemm(a, x), rw = refGemm(tr(a), z)
  if (yd._tag === 'Right') t.ok(maxScaledError(yd.right, ry.c, ry.mag) <= f32Tol(33), 'A·x')
  if (wd._tag === 'Right') t.ok(maxScaledError(wd.right, rw.c, rw.mag) <= f32Tol(301), 'Aᵀ·z accumulated over blocks')
  for (const g of [ga.right, gx.right, gz.right, y.right, w.right]) g.destroy()
  const bad = await gemvGpu(ctx, a, new Float32Array(3))()
  t.equal(bad._tag === 'Left' && bad.left._tag, 'ShapeMismatch')
})
