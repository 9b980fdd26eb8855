import t, { type Test } from 'tap'
import fc from 'fast-check'
import { create } from 'webgpu'
import { gemm, type Mat } from '@lr/svd'
import { createGpuContext, gemmGpu, gemmGpuMat, uploadMat, downloadMat, type GpuContext, type TileConfig } from '../src/index.js'
import { f32Tol, maxScaledError, openContext, randomMat, refGemm } from './helpers.js'

const TILES: Record<string, TileConfig | undefined> = {
  'tiled 128x128 (discrete GPUs)': { bm: 128, bn: 128, bk: 8, tm: 8, tn: 8, wgX: 16, wgY: 16 },
  'direct 4x4': { bm: 16, bn: 64, bk: 0, tm: 4, tn: 4, wgX: 16, wgY: 4 },
  'direct 4x8 (software default)': { bm: 16, bn: 128, bk: 0, tm: 4, tn: 8, wgX: 16, wgY: 4 },
}
const SIZES: readonly (readonly [number, number, number])[] = [
  [1, 1, 1], [127, 127, 127], [128, 128, 128], [129, 129, 129], [129, 65, 127], [3, 200, 130], [130, 7, 1], [64, 0, 8],
]

const ctxWith = async (t: Test, tile: TileConfig | undefined): Promise<GpuContext> => {
  if (!tile) return openContext(t)
  const r = await createGpuContext(create([]), { gemmTile: tile })()
  if (r._tag === 'Left') { t.fail(r.left.message); throw r.left }
  t.teardown(() => r.right.destroy())
  return r.right
}

const toF64 = (m: Mat<Float32Array>): Mat<Float64Array> => ({ data: Float64Array.from(m.data), shape: m.shape, stride: m.stride, offset: m.offset })
const transposeView = (m: Mat<Float32Array>): Mat<Float32Array> => ({ data: m.data, shape: [m.shape[1], m.shape[0]], stride: [m.stride[1], m.stride[0]], offset: m.offset })

for (const [name, tile] of Object.entries(TILES)) {
  t.test(`gemmGpu matches the f64 reference within 1e-5·√k: ${name}`, async (t) => {
    const ctx = await ctxWith(t, tile)
    for (const [m, k, n] of SIZES) {
      const a = randomMat(m, k, m * 7 + k), b = randomMat(k, n, n * 13 + 1)
      const r = await gemmGpu(ctx, a, b)()
      if (r._tag === 'Left') { t.fail(r.left.message); continue }
      const { c, mag } = refGemm(a, b)
      t.same(r.right.shape, [m, n])
      if (k === 0) { t.ok(r.right.data.every((x) => x === 0), 'k = 0 gives zeros'); continue }
      const err = maxScaledError(r.right, c, mag)
      t.ok(err <= f32Tol(k), `${m}x${k}·${k}x${n}: ${err.toExponential(2)} <= ${f32Tol(k).toExponential(2)}`)
      // the CPU reference of STYLE §6: @lr/svd's gemm (in f64) gives the same product
      const cpu = gemm(toF64(a), toF64(b))
      t.ok(maxScaledError(r.right, cpu.data as Float64Array, mag) <= f32Tol(k), `${m}x${k}·${k}x${n} vs @lr/svd gemm`)
    }
    // a transposed view is read as Aᵀ without a copy (transA kernel), and a strided view is packed
    const a = randomMat(129, 127, 5), b = randomMat(129, 64, 6)
    const rt = await gemmGpu(ctx, transposeView(a), b, { alpha: 0.5 })()
    const ref = refGemm(transposeView(a), b)
    if (rt._tag === 'Right') t.ok(maxScaledError(rt.right, ref.c.map((x) => x * 0.5), ref.mag.map((x) => x * 0.5)) <= f32Tol(129), 'Aᵀ·B with alpha')
    else t.fail(rt.left.message)
  })
}

t.test('shader keys name the variant and pipelines are cached', async (t) => {
  const ctx = await ctxWith(t, { bm: 64, bn: 64, bk: 16, tm: 4, tn: 4, wgX: 16, wgY: 16 })
  const a = randomMat(8, 8, 1)
  await gemmGpu(ctx, a, a)()
  await gemmGpu(ctx, a, a)()
  t.same([...ctx.pipelines.keys()], ['gemm:f32:nn:t64x64x16:r4x4:wg16x16:vec4'])
  await gemmGpu(ctx, a, randomMat(8, 7, 2))()
  t.ok(ctx.pipelines.has('gemm:f32:nn:t64x64x16:r4x4:wg16x16:vec1'))
})

t.test('operands split into many row blocks (multi-GB layout) give the same product', async (t) => {
  const ctx = await openContext(t)
  const a = randomMat(300, 130, 3), b = randomMat(130, 68, 4)
  const blockBytes = 40 * 130 * 4 // 40 rows of A per block, 40 rows of B: K is split across blocks too
  const r = await gemmGpu(ctx, a, b, { maxBlockBytes: blockBytes })()
  if (r._tag === 'Left') { t.fail(r.left.message); return }
  const { c, mag } = refGemm(a, b)
  t.ok(maxScaledError(r.right, c, mag) <= f32Tol(130))
  // Aᵀ·B with A and B in blocks of different heights
  const ga = await uploadMat(ctx, a, { maxBlockBytes: 17 * 130 * 4 })()
  const gy = await uploadMat(ctx, randomMat(300, 12, 9), { maxBlockBytes: 23 * 12 * 4 })()
  if (ga._tag === 'Left' || gy._tag === 'Left') { t.fail('upload'); return }
  t.ok(ga.right.blocks.length > 10 && gy.right.blocks.length > 10, `${ga.right.blocks.length} and ${gy.right.blocks.length} blocks`)
  const gc = await gemmGpuMat(ctx, ga.right, gy.right, { opA: 'transpose' })()
  if (gc._tag === 'Left') { t.fail(gc.left.message); return }
  const out = await downloadMat(ctx, gc.right)()
  const ref = refGemm(transposeView(a), randomMat(300, 12, 9))
  if (out._tag === 'Right') t.ok(maxScaledError(out.right, ref.c, ref.mag) <= f32Tol(300), 'Aᵀ·Y over mismatched blocks')
  for (const g of [ga.right, gy.right, gc.right]) g.destroy()
  t.equal(ctx.stats().liveBuffers, ctx.stats().pooledBuffers, 'only the pooled readback buffer stays')
})

t.test('shape and dtype errors are tagged', async (t) => {
  const ctx = await openContext(t)
  const r = await gemmGpu(ctx, randomMat(3, 4, 1), randomMat(5, 2, 1))()
  t.equal(r._tag === 'Left' && r.left._tag, 'ShapeMismatch')
  const g = await uploadMat(ctx, randomMat(3, 4, 1))()
  if (g._tag === 'Left') return
  g.right.destroy()
  const r2 = await gemmGpuMat(ctx, g.right, g.right)()
  t.equal(r2._tag === 'Left' && r2.left._tag, 'ShapeMismatch')
  const r3 = await gemmGpuMat(ctx, g.right, { ...g.right, shape: [4, 4] })()
  t.equal(r3._tag === 'Left' && r3.left._tag, 'InvalidArgument', 'destroyed operand')
})

t.test('property: random shapes and strided inputs match the reference', async (t) => {
  const ctx = await openContext(t)
  await t.resolves(fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.boolean(),
    async (m, k, n, colMajorB) => {
      const a = randomMat(m, k, m + 31 * k), b0 = randomMat(n, k, n + 17)
      const b: Mat<Float32Array> = colMajorB ? transposeView(b0) : randomMat(k, n, n + 17)
      const r = await gemmGpu(ctx, a, b)()
      if (r._tag === 'Left') return false
      const { c, mag } = refGemm(a, b)
      return maxScaledError(r.right, c, mag) <= f32Tol(k)
    }), { seed: 42, numRuns: 25 }), 'fc.assert: 25 random shapes (seed 42)')

})

/** f16 storage: inputs rounded to binary16 (unit roundoff u = 2⁻¹¹), products and sums in f32.
 *  Against the f64 product of the unrounded inputs: |Δ| ≤ (2u + u²)·(|A|·|B|) + 1e-5·√k·(|A|·|B|). */
const F16_U = 2 ** -11
const f16Tol = (k: number): number => 2 * F16_U + F16_U ** 2 + f32Tol(k)

t.test('f16 storage with f32 accumulation vs the f64 reference (documented bound)', async (t) => {
  for (const name of ['direct 4x8 (software default)', 'tiled 128x128 (discrete GPUs)']) {
    const ctx = await ctxWith(t, TILES[name])
    if (!ctx.features.has('shader-f16')) { t.fail(`${ctx.adapterInfo.description} lacks shader-f16`); return }
    for (const [m, k, n] of [[1, 1, 1], [127, 127, 127], [129, 129, 129], [129, 65, 127], [33, 300, 12]] as const) {
      const a = randomMat(m, k, m + 5), b = randomMat(k, n, n + 9)
      const r = await gemmGpu(ctx, a, b, { dtype: 'f16' })()
      if (r._tag === 'Left') { t.fail(r.left.message); continue }
      const { c, mag } = refGemm(a, b)
      const err = maxScaledError(r.right, c, mag)
      t.ok(err <= f16Tol(k), `${name} ${m}x${k}·${k}x${n}: ${err.toExponential(2)} <= ${f16Tol(k).toExponential(2)}`)
    }
    t.ok([...ctx.pipelines.keys()].some((key) => key.startsWith('gemm:f16:')), 'f16 shader key')
  }
})

t.test('subgroup-matrix (tensor-core) path: runs where the feature exists, a FeatureMissing naming it elsewhere', async (t) => {
  const ctx = await openContext(t)
  const a = randomMat(128, 64, 1), b = randomMat(64, 128, 2)
  const r = await gemmGpu(ctx, a, b, { dtype: 'f16', kernel: 'subgroup-matrix' })()
  if (ctx.features.has('chromium-experimental-subgroup-matrix')) {
    if (r._tag === 'Left') return t.fail(r.left.message)
    const { c, mag } = refGemm(a, b)
    t.ok(maxScaledError(r.right, c, mag) <= f16Tol(64), 'matches the f64 reference within the f16 bound')
  } else {
    t.equal(r._tag === 'Left' && r.left._tag, 'FeatureMissing')
    t.match(r._tag === 'Left' ? r.left.message : '', /chromium-experimental-subgroup-matrix/)
  }
  const f32 = await gemmGpu(ctx, a, b, { kernel: 'subgroup-matrix' })()
  t.equal(f32._tag === 'Left' && f32.left._tag, 'InvalidArgument', 'f32 operands are refused: the tensor-core kernel is f16')
})
