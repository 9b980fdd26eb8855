import * as TE from 'fp-ts/lib/TaskEither.js'
import { ShapeMismatch as SvdShapeMismatch, NotFinite, type Mat } from '@lr/svd'
import { LimitExceeded, InvalidArgument, toGpuError, type GpuContext, type GpuError } from '@lr/kernels-gpu'
import type { Fairy2iPacked } from '../fairy2iQuantize.js'
import { packedRowBytes } from '../packCodes.js'
import { assertPacked } from '../internal/assertPacked.js'
import type { Fairy2iFormatError } from '../errors.js'
import { fairy2iApplyWgsl, fairy2iShaderKey, FAIRY2I_WG } from './fairy2iApply.wgsl.js'

// WebGPU usage flags (numeric: the GPUBufferUsage global is absent in Node until a device exists).
const STORAGE = 0x80, COPY_DST = 0x08, COPY_SRC = 0x04, MAP_READ = 0x01, UNIFORM = 0x40

/** A Fairy2i layer resident on the GPU: codes ([2T][n][⌈m/16⌉] u32) and scales, until `destroy()`.
 *  @since 0.1.0  @category gpu */
export interface Fairy2iGpuLayer {
  readonly rows: number
  readonly cols: number
  readonly stages: number
  /** Bytes of codes and scales on the GPU (what one apply reads besides x). */
  readonly bytes: number
  /** @internal */ readonly codes: GPUBuffer
  /** @internal */ readonly scales: GPUBuffer
  readonly isDestroyed: () => boolean
  destroy(): void
}

const pipelineFor = async (ctx: GpuContext): Promise<GPUComputePipeline> => {
  const hit = ctx.pipelines.get(fairy2iShaderKey)
  if (hit) return hit
  const module = ctx.device.createShaderModule({ code: fairy2iApplyWgsl, label: fairy2iShaderKey })
  const p = await ctx.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: fairy2iShaderKey })
  ctx.pipelines.set(fairy2iShaderKey, p)
  return p
}

const checkBinding = (ctx: GpuContext, op: string, what: string, bytes: number): void => {
  if (bytes > ctx.limits.maxStorageBufferBindingSize) {
    throw new LimitExceeded(op, 'maxStorageBufferBindingSize', bytes, ctx.limits.maxStorageBufferBindingSize, `${what} does not fit one binding; apply the layer in row blocks or on the CPU (fairy2iApply)`)
  }
}

/**
 * Uploads a packed Fairy2i layer to the GPU once (rows re-laid to whole u32 words of 16 codes), for {@link fairy2iApplyGpu}.
 * @throws (as Left) LimitExceeded when the codes exceed one storage binding; Fairy2iFormatError on inconsistent codes.
 * @example const layer = await fairy2iUploadGpu(ctx, fairy2iQuantize(a))()
 * @since 0.1.0  @category gpu
 */
export const fairy2iUploadGpu = (ctx: GpuContext, p: Fairy2iPacked): TE.TaskEither<GpuError | Fairy2iFormatError, Fairy2iGpuLayer> =>
  TE.tryCatch(async () => {
    assertPacked(p, 'fairy2iUploadGpu')
    const n = p.rows / 2, m = p.cols / 2, rb = packedRowBytes(m), rowWords = Math.ceil(m / 16), mats = 2 * p.stages.length
    const codeBytes = mats * n * rowWords * 4
    checkBinding(ctx, 'fairy2iUploadGpu', `codes (${codeBytes} bytes)`, codeBytes)
    const words = new Uint8Array(codeBytes)
    p.stages.forEach((s, t) => {
      for (const [i, c] of [s.u, s.w].entries()) {
        const q = 2 * t + i
        for (let j = 0; j < n; j++) words.set(c.codes.subarray(j * rb, (j + 1) * rb), (q * n + j) * rowWords * 4)
      }
    })
    const scales = new Float32Array(2 * mats)
    p.stages.forEach((s, t) => scales.set([s.u.scaleRe, s.u.scaleIm, s.w.scaleRe, s.w.scaleIm], 4 * t))
    const codes = ctx.device.createBuffer({ size: codeBytes, usage: STORAGE | COPY_DST, label: 'fairy2i-codes' })
    const sc = ctx.device.createBuffer({ size: scales.byteLength, usage: STORAGE | COPY_DST, label: 'fairy2i-scales' })
    ctx.device.queue.writeBuffer(codes, 0, words)
    ctx.device.queue.writeBuffer(sc, 0, scales)
    let destroyed = false
    return {
      rows: p.rows, cols: p.cols, stages: p.stages.length, bytes: codeBytes + scales.byteLength, codes, scales: sc,
      isDestroyed: () => destroyed,
      destroy: () => { if (!destroyed) { destroyed = true; codes.destroy(); sc.destroy() } },
    }
  }, toGpuError('fairy2iUploadGpu'))

/**
 * The GPU twin of {@link fairy2iApply}: Y = X·A_qᵀ for X `[batch, in]` → Y `[batch, out]` (f32), four signed sums per row and
 * stage over the packed codes (additions and sign selects only), scales once per row and stage. Equal to fairy2iApply up to
 * f32 rounding (f32 accumulators). Runs on the GPU or fails (no CPU fallback).
 * @example const y = await fairy2iApplyGpu(ctx, layer, x)()
 * @since 0.1.0  @category gpu
 */
export const fairy2iApplyGpu = (ctx: GpuContext, layer: Fairy2iGpuLayer, x: Mat<Float32Array> | Float32Array): TE.TaskEither<GpuError | SvdShapeMismatch | NotFinite, Mat<Float32Array>> =>
  TE.tryCatch(async () => {
    const op = 'fairy2iApplyGpu'
    if (layer.isDestroyed()) throw new InvalidArgument(op, 'layer', 'the Fairy2iGpuLayer was destroyed')
    const xm: Mat<Float32Array> = x instanceof Float32Array ? { data: x, shape: [1, x.length], stride: [x.length, 1], offset: 0 } : x
    const [batch, width] = xm.shape
    if (width !== layer.cols) throw new SvdShapeMismatch(op, 'x.cols = layer in', xm.shape, [layer.rows, layer.cols])
    const xs = new Float32Array(batch * width)
    for (let b = 0; b < batch; b++) for (let k = 0; k < width; k++) {
      const v = xm.data[xm.offset + b * xm.stride[0] + k * xm.stride[1]]!
      if (!Number.isFinite(v)) throw new NotFinite(op, 'x', [b, k], v)
      xs[b * width + k] = v
    }
    const yBytes = batch * layer.rows * 4
    checkBinding(ctx, op, `x (${xs.byteLength} bytes)`, xs.byteLength)
    checkBinding(ctx, op, `y (${yBytes} bytes)`, yBytes)
    const maxGroups = ctx.limits.maxComputeWorkgroupsPerDimension
    if (batch > maxGroups) throw new LimitExceeded(op, 'maxComputeWorkgroupsPerDimension', batch, maxGroups, 'split the batch')
    const pipeline = await pipelineFor(ctx)
    const n = layer.rows / 2, m = layer.cols / 2
    const params = new Uint32Array([n, m, Math.ceil(m / 16), 2 * layer.stages, batch, width, layer.rows, 0])
    const temps: GPUBuffer[] = []
    try {
      const xb = ctx.device.createBuffer({ size: Math.max(16, xs.byteLength), usage: STORAGE | COPY_DST, label: 'fairy2i-x' }); temps.push(xb)
      const yb = ctx.device.createBuffer({ size: Math.max(16, yBytes), usage: STORAGE | COPY_SRC, label: 'fairy2i-y' }); temps.push(yb)
      const ub = ctx.device.createBuffer({ size: params.byteLength, usage: UNIFORM | COPY_DST, label: 'fairy2i-params' }); temps.push(ub)
      const rb = ctx.device.createBuffer({ size: Math.max(16, yBytes), usage: MAP_READ | COPY_DST, label: 'fairy2i-readback' }); temps.push(rb)
      ctx.device.queue.writeBuffer(xb, 0, xs)
      ctx.device.queue.writeBuffer(ub, 0, params)
      const bind = ctx.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [layer.codes, layer.scales, xb, yb, ub].map((buffer, binding) => ({ binding, resource: { buffer } })) })
      ctx.device.pushErrorScope('validation')
      const enc = ctx.device.createCommandEncoder({ label: op })
      const pass = enc.beginComputePass()
      pass.setPipeline(pipeline)
      pass.setBindGroup(0, bind)
      pass.dispatchWorkgroups(Math.ceil(n / FAIRY2I_WG), batch)
      pass.end()
      enc.copyBufferToBuffer(yb, 0, rb, 0, Math.max(16, yBytes))
      ctx.device.queue.submit([enc.finish()])
      const err = await ctx.device.popErrorScope()
      if (err) throw new InvalidArgument(op, 'dispatch', err.message)
      await rb.mapAsync(1 /* GPUMapMode.READ */)
      const out = new Float32Array(rb.getMappedRange().slice(0, yBytes))
      rb.unmap()
      return { data: out, shape: [batch, layer.rows], stride: [layer.rows, 1], offset: 0 }
    } finally {
      for (const b of temps) b.destroy()
    }
  }, toGpuError('fairy2iApplyGpu'))
