// --device cpu|gpu for the heavy commands: the option, opening the GPU context at the edge (NoAdapter naming the fix
// when there is none; never a silent CPU run), and the GPU operator that @lr/adapters' factorDeltaAsync awaits.
import { Option } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import type { Mat } from '@lr/svd'
import { createGpuContext, gpuLinearOperator, uploadMat, type GpuContext } from '@lr/kernels-gpu'
import { evaluateLoss, withGpuLinears, type EvalResult, type EvaluateLossOptions, type LlamaModel } from '@lr/pipeline'
import { UsageError } from './runtime.js'

export type Device = 'cpu' | 'gpu'

/** `--device <device>` with a usage error for anything but cpu|gpu; default cpu. `gpu` says what runs there. */
export const deviceOption = (gpu: string): Option =>
  new Option('--device <device>', `cpu (default) or gpu (WebGPU: ${gpu}; no adapter is an error, never a silent CPU run)`)
    .argParser((v: string): Device => {
      if (v !== 'cpu' && v !== 'gpu') throw new UsageError(`--device must be cpu or gpu, got "${v}"`)
      return v
    })
    .default('cpu')

/** Opens the WebGPU context (Dawn through the `webgpu` package); throws NoAdapter / DeviceFailed naming the fix. */
export const openGpu = async (): Promise<GpuContext> => {
  const { create } = await import('webgpu')
  const c = await createGpuContext(create([]))()
  if (E.isLeft(c)) throw c.left
  return c.right
}

/** Runs `f` with a GPU context when `device` is gpu (destroyed afterwards), else with undefined. */
export const withDevice = async <A>(device: Device, f: (ctx: GpuContext | undefined) => Promise<A>): Promise<A> => {
  if (device === 'cpu') return f(undefined)
  const ctx = await openGpu()
  try { return await f(ctx) } finally { ctx.destroy() }
}

/** A matrix uploaded once (f32, chunked) as @lr/svd's LinearOperator on the GPU, for factorDeltaAsync. */
export const gpuOperator = (ctx: GpuContext) => async (m: Mat<Float32Array>) => {
  const up = await uploadMat(ctx, m)()
  if (E.isLeft(up)) throw up.left
  const g = up.right
  return { op: gpuLinearOperator(ctx, g), release: () => g.destroy() }
}

/** A one-line description of the adapter for reports. */
export const adapterName = (ctx: GpuContext): string => ctx.adapterInfo.description || ctx.adapterInfo.device || ctx.adapterInfo.vendor

/** evaluateLoss of @lr/pipeline on the chosen device: with gpu, the dense, Fairy2i-packed and int-k/NF4-packed linears
 *  run on the GPU (`withGpuLinears`; attention, norms, LoRA, SVDQuant and factored layers on the CPU), the buffers released afterwards.
 *  Returns the loss and, for gpu, the adapter name and how many linears ran there. */
export const evaluateOn = async (device: Device, model: LlamaModel, bytes: Uint8Array, opts: EvaluateLossOptions): Promise<EvalResult & { readonly gpu?: { readonly adapter: string; readonly linears: number; readonly cpuLinears: number } }> =>
  withDevice(device, async (ctx) => {
    if (!ctx) {
      const r = await evaluateLoss(model, bytes, opts)()
      if (E.isLeft(r)) throw r.left
      return r.right
    }
    const g = await withGpuLinears(ctx, model)()
    if (E.isLeft(g)) throw g.left
    try {
      const r = await evaluateLoss(g.right.model, bytes, opts)()
      if (E.isLeft(r)) throw r.left
      return { ...r.right, gpu: { adapter: adapterName(ctx), linears: g.right.onGpu, cpuLinears: g.right.onCpu.size } }
    } finally {
      g.right.release()
    }
  })
