import t from 'tap'
import type { Mat } from '@lr/svd'
import { downloadMat, gemmGpu, uploadMat } from '../src/index.js'
import { fromHalfBits, toHalfBits } from '../src/internal/half.js'
import { openContext, randomMat } from './helpers.js'

t.test('round trip of odd shapes, strided views and f16 storage, through small chunks and blocks', async (t) => {
  const ctx = await openContext(t)
  for (const [r, c] of [[1, 1], [1, 3], [127, 129], [300, 17], [5, 0]] as const) {
    const m = randomMat(r, c, r * 3 + c)
    for (const opts of [{}, { chunkBytes: 64, maxBlockBytes: 16 * Math.max(c, 1) * 4 }]) {
      const g = await uploadMat(ctx, m, opts)()
      if (g._tag === 'Left') { t.fail(g.left.message); continue }
      const back = await downloadMat(ctx, g.right, opts)()
      g.right.destroy()
      t.same(back._tag === 'Right' && back.right.data, m.data, `f32 ${r}x${c} ${JSON.stringify(opts)}`)
    }
    const h = await uploadMat(ctx, m, { dtype: 'f16', chunkBytes: 36, maxBlockBytes: 7 * Math.max(c, 1) * 2 + 2 })()
    if (h._tag === 'Left') { t.fail(h.left.message); continue }
    const hb = await downloadMat(ctx, h.right, { chunkBytes: 36 })()
    h.right.destroy()
    t.same(hb._tag === 'Right' && [...hb.right.data], [...m.data].map((x) => fromHalfBits(toHalfBits(x))), `f16 ${r}x${c} rounds to nearest`)
  }
  const base = randomMat(40, 30, 9)
  const view: Mat<Float32Array> = { data: base.data, shape: [10, 7], stride: [-60, 2], offset: 30 * 39 + 1 }
  const g = await uploadMat(ctx, view)()
  if (g._tag === 'Left') return t.fail(g.left.message)
  const back = await downloadMat(ctx, g.right)()
  g.right.destroy()
  const want = Array.from({ length: 70 }, (_, q) => base.data[view.offset + Math.floor(q / 7) * -60 + (q % 7) * 2]!)
  t.same(back._tag === 'Right' && [...back.right.data], want, 'negative row stride and column step 2')
})

t.test('f16 rounding is round-to-nearest-even', async (t) => {
  t.equal(toHalfBits(1 + 2 ** -11), 0x3c00, 'tie rounds to even (down)')
  t.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02, 'tie rounds to even (up)')
  t.equal(toHalfBits(65520), 0x7c00, 'overflow to +Inf')
  t.equal(toHalfBits(2 ** -25), 0, 'half of the smallest subnormal rounds to zero (even)')
  t.equal(fromHalfBits(toHalfBits(2 ** -24)), 2 ** -24, 'smallest subnormal')
  t.ok(Number.isNaN(fromHalfBits(toHalfBits(NaN))))
})

t.test('no leaks over 1,000 calls: buffers are destroyed or pooled, pipelines cached once', async (t) => {
  const ctx = await openContext(t)
  const a = randomMat(9, 5, 1), b = randomMat(5, 4, 2)
  await gemmGpu(ctx, a, b)()
  const before = ctx.stats()
  for (let i = 0; i < 1000; i++) {
    const r = i % 2 ? await gemmGpu(ctx, a, b)() : await uploadMat(ctx, a)()
    if (r._tag === 'Left') { t.fail(r.left.message); break }
    if (!('data' in r.right)) r.right.destroy()
  }
  t.same(ctx.stats(), before, `live ${ctx.stats().liveBuffers}, pooled ${ctx.stats().pooledBuffers}, pipelines ${ctx.stats().pipelines}`)
  const g = await uploadMat(ctx, a)()
  if (g._tag === 'Right') {
    g.right.destroy()
    g.right.destroy()
    t.equal(ctx.stats().liveBuffers, before.liveBuffers, 'destroy is idempotent')
    const r = await downloadMat(ctx, g.right)()
    t.equal(r._tag === 'Left' && r.left._tag, 'InvalidArgument', 'a destroyed GpuMat cannot be read')
  }
})

t.test('an 8192×4096 f32 round trip (128 MiB, several chunks) matches exactly', async (t) => {
  const ctx = await openContext(t)
  const rows = 8192, cols = 4096
  const data = new Float32Array(rows * cols)
  for (let i = 0; i < data.length; i++) data[i] = (i % 65521) * 0.25 - 1000
  const g = await uploadMat(ctx, { data, shape: [rows, cols], stride: [cols, 1], offset: 0 })()
  if (g._tag === 'Left') return t.fail(g.left.message)
  t.ok(g.right.blocks.length >= 1, `${g.right.blocks.length} block(s) under maxStorageBufferBindingSize ${ctx.limits.maxStorageBufferBindingSize}`)
  const back = await downloadMat(ctx, g.right)()
  g.right.destroy()
  if (back._tag === 'Left') return t.fail(back.left.message)
  let mismatches = 0
  for (let i = 0; i < data.length; i++) if (back.right.data[i] !== data[i]) mismatches++
  t.equal(mismatches, 0)
})

t.test('one row larger than a binding is a LimitExceeded naming the limit', async (t) => {
  const ctx = await openContext(t)
  const r = await uploadMat(ctx, randomMat(2, 64, 1), { maxBlockBytes: 100 })()
  t.equal(r._tag === 'Left' && r.left._tag, 'LimitExceeded')
  t.match(r._tag === 'Left' ? r.left.message : '', /maxStorageBufferBindingSize/)
})
