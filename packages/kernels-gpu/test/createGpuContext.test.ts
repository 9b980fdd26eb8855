import t from 'tap'
import { create } from 'webgpu'
import { createGpuContext, defaultGemmTile } from '../src/index.js'
import { openContext } from './helpers.js'

t.test('opens a device with the adapter limits and a pipeline cache', async (t) => {
  const ctx = await openContext(t)
  t.ok(ctx.limits.maxStorageBufferBindingSize >= 128 * 2 ** 20, `binding limit ${ctx.limits.maxStorageBufferBindingSize}`)
  t.equal(ctx.limits.maxBufferSize, ctx.adapter.limits.maxBufferSize, 'maxBufferSize raised to the adapter maximum')
  t.equal(ctx.pipelines.size, 0)
  t.type(ctx.adapterInfo.description, 'string')
  t.same(ctx.stats(), { liveBuffers: 0, pooledBuffers: 0, pipelines: 0 })
  if (ctx.adapterInfo.isSoftware) t.equal(ctx.gemmTile.bk, 0, 'software adapters get the register-blocked kernel')
})

t.test('no adapter gives NoAdapter naming the fix', async (t) => {
  const none = await createGpuContext(undefined)()
  t.equal(none._tag, 'Left')
  if (none._tag === 'Left') {
    t.equal(none.left._tag, 'NoAdapter')
    t.match(none.left.message, /mesa-vulkan-drivers/)
    t.match(none.left.message, /--device cpu/)
  }
  const nullGpu = { requestAdapter: async () => null } as unknown as GPU
  const r = await createGpuContext(nullGpu)()
  t.equal(r._tag === 'Left' && r.left._tag, 'NoAdapter')
})

t.test('tile choice per adapter', async (t) => {
  const big = defaultGemmTile({ isSoftware: false }, { maxComputeWorkgroupStorageSize: 32768, maxComputeInvocationsPerWorkgroup: 256 })
  t.same([big.bm, big.bn, big.tm, big.tn], [128, 128, 8, 8])
  const soft = defaultGemmTile({ isSoftware: true }, { maxComputeWorkgroupStorageSize: 32768, maxComputeInvocationsPerWorkgroup: 256 })
  t.equal(soft.bk, 0)
  const tiny = defaultGemmTile({ isSoftware: false }, { maxComputeWorkgroupStorageSize: 4096, maxComputeInvocationsPerWorkgroup: 256 })
  t.same([tiny.bm, tiny.bn], [64, 64])
})

t.test('the context keeps the Dawn instance alive through garbage collection (the large-transfer crash)', async (t) => {
  // Before the fix, dropping create()'s result let V8 collect Dawn's instance while the device was in use;
  // the next event poll crashed the process (std::system_error: Invalid argument / SIGSEGV).
  const { setFlagsFromString } = await import('node:v8')
  const { runInNewContext } = await import('node:vm')
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const r = await createGpuContext(create([]))()
  if (r._tag === 'Left') { t.fail(r.left.message); return }
  const ctx = r.right
  for (let i = 0; i < 3; i++) { gc(); await new Promise((res) => setTimeout(res, 20)) }
  const b = ctx.buffers.create(1024, 0x1 | 0x8, 'probe')
  await b.mapAsync(0x1)
  t.equal(b.getMappedRange().byteLength, 1024, 'mapAsync resolves after GC')
  b.unmap()
  ctx.destroy()
  t.equal(ctx.isDestroyed(), true)
  t.equal(ctx.stats().liveBuffers, 0, 'destroy releases every buffer')
})
