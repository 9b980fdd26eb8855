import { GpuOperationFailed } from '../errors.js'
import { Usage } from './usage.js'
import type { GpuContext } from '../context.js'

/** The compiled pipeline for `key`, from the context's cache or compiled now (shader errors become GpuOperationFailed). */
export const pipelineFor = async (ctx: GpuContext, op: string, key: string, code: string): Promise<GPUComputePipeline> => {
  const hit = ctx.pipelines.get(key)
  if (hit) return hit
  const module = ctx.device.createShaderModule({ code, label: key })
  let pipeline: GPUComputePipeline
  try {
    pipeline = await ctx.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key })
  } catch (e) {
    const info = await module.getCompilationInfo()
    const msgs = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`)
    throw new GpuOperationFailed(op, 'shader', `${key}: ${msgs.join('; ') || (e instanceof Error ? e.message : String(e))}`)
  }
  ctx.pipelines.set(key, pipeline)
  return pipeline
}

/** One dispatch: a pipeline, its storage buffers in binding order, a uniform block (16-byte multiple) and the grid. */
export interface Dispatch {
  readonly pipeline: GPUComputePipeline
  readonly buffers: readonly GPUBuffer[]
  readonly params: ArrayBuffer
  readonly groups: readonly [number, number, number?]
}

/** Records the dispatches into `encoder` (uniforms go into `temps`, destroyed by the caller after submit). */
export const encodeDispatches = (ctx: GpuContext, encoder: GPUCommandEncoder, list: readonly Dispatch[], temps: GPUBuffer[]): void => {
  const pass = encoder.beginComputePass()
  for (const d of list) {
    const ub = ctx.buffers.create(Math.max(16, Math.ceil(d.params.byteLength / 16) * 16), Usage.UNIFORM | Usage.COPY_DST, 'params')
    temps.push(ub)
    ctx.device.queue.writeBuffer(ub, 0, d.params)
    const entries: GPUBindGroupEntry[] = d.buffers.map((buffer, binding) => ({ binding, resource: { buffer } }))
    entries.push({ binding: d.buffers.length, resource: { buffer: ub } })
    const bindGroup = ctx.device.createBindGroup({ layout: d.pipeline.getBindGroupLayout(0), entries })
    pass.setPipeline(d.pipeline)
    pass.setBindGroup(0, bindGroup)
    pass.dispatchWorkgroups(d.groups[0], d.groups[1], d.groups[2] ?? 1)
  }
  pass.end()
}

/** Runs `body` inside validation and out-of-memory error scopes; a captured error becomes GpuOperationFailed. */
export const withErrorScopes = async <A>(ctx: GpuContext, op: string, body: () => Promise<A>): Promise<A> => {
  const dev = ctx.device
  dev.pushErrorScope('out-of-memory')
  dev.pushErrorScope('validation')
  let result: A | undefined
  let thrown: unknown
  let hasThrown = false
  try {
    result = await body()
  } catch (e) {
    thrown = e
    hasThrown = true
  }
  const validation = await dev.popErrorScope()
  const oom = await dev.popErrorScope()
  if (hasThrown) throw thrown
  if (oom) throw new GpuOperationFailed(op, 'out-of-memory', `${oom.message}; use smaller blocks (maxBlockBytes) or free GpuMats`)
  if (validation) throw new GpuOperationFailed(op, 'validation', validation.message)
  return result as A
}

/** Submits dispatches as one command buffer and waits for the GPU; temporary uniforms are destroyed afterwards. */
export const runDispatches = async (ctx: GpuContext, op: string, list: readonly Dispatch[]): Promise<void> => {
  const temps: GPUBuffer[] = []
  try {
    await withErrorScopes(ctx, op, async () => {
      const enc = ctx.device.createCommandEncoder({ label: op })
      encodeDispatches(ctx, enc, list, temps)
      ctx.device.queue.submit([enc.finish()])
      await ctx.device.queue.onSubmittedWorkDone()
    })
  } finally {
    for (const b of temps) ctx.buffers.destroy(b)
  }
}

/** Packs u32/f32 fields into a uniform block (each entry 4 bytes, padded to 16). */
export const packParams = (fields: readonly (readonly ['u' | 'f', number])[]): ArrayBuffer => {
  const buf = new ArrayBuffer(Math.ceil((fields.length * 4) / 16) * 16)
  const dv = new DataView(buf)
  fields.forEach(([t, v], i) => (t === 'u' ? dv.setUint32(i * 4, v, true) : dv.setFloat32(i * 4, v, true)))
  return buf
}
