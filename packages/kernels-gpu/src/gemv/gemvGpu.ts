import * as TE from 'fp-ts/lib/TaskEither.js'
import type { Float, Mat } from '@lr/svd'
import type { GpuContext } from '../context.js'
import { FeatureMissing, InvalidArgument, ShapeMismatch, toGpuError, type GpuError } from '../errors.js'
import { packParams, pipelineFor, runDispatches, type Dispatch } from '../internal/run.js'
import { allocGpuMatSync, downloadMat, uploadMat, type GpuMat } from '../transfer/gpuMat.js'
import { unwrap } from '../gemm/gemmGpu.js'
import { gemvColsWgsl, gemvRowsWgsl } from './gemv.wgsl.js'

/** Options of gemvGpu / gemvGpuMat. @since 0.1.0  @category gemv */
export interface GemvGpuOptions {
  /** op(A): 'none' computes A·x, 'transpose' computes Aᵀ·x. @default 'none' */
  readonly opA?: 'none' | 'transpose'
  /** Scale of the product. @default 1 */
  readonly alpha?: number
}

/** The dispatches of y = α·op(A)·x into y (all resident; x and y are `[len, 1]` f32 GpuMats). */
export const gemvDispatches = async (ctx: GpuContext, op: string, a: GpuMat, x: GpuMat, y: GpuMat, opts: GemvGpuOptions): Promise<Dispatch[]> => {
  const trans = opts.opA === 'transpose'
  const [outLen, inLen] = trans ? [a.shape[1], a.shape[0]] : a.shape
  if (x.shape[0] !== inLen || x.shape[1] !== 1) throw new ShapeMismatch(op, trans ? 'a.rows = x.length (Aᵀ·x)' : 'a.cols = x.length', a.shape, x.shape)
  if (y.shape[0] !== outLen || y.shape[1] !== 1) throw new ShapeMismatch(op, 'y.length = op(a).rows', y.shape, [outLen, 1])
  if (x.dtype !== 'f32' || y.dtype !== 'f32') throw new InvalidArgument(op, 'x', 'x and y are f32 (A may be f16)')
  if (x.blocks.length !== 1 || y.blocks.length !== 1) throw new InvalidArgument(op, 'x', 'vectors must fit one storage binding')
  for (const [name, g] of [['a', a], ['x', x], ['y', y]] as const) if (g.isDestroyed()) throw new InvalidArgument(op, name, 'the GpuMat was destroyed')
  if (a.dtype === 'f16' && !ctx.features.has('shader-f16')) throw new FeatureMissing(op, 'shader-f16', 'upload A as f32')
  const key = `gemv:${a.dtype}:${trans ? 'cols' : 'rows'}:wg256`
  const pipeline = await pipelineFor(ctx, op, key, trans ? gemvColsWgsl(a.dtype) : gemvRowsWgsl(a.dtype))
  const alpha = opts.alpha ?? 1, n = a.shape[1]
  const xb = x.blocks[0]!.buffer, yb = y.blocks[0]!.buffer
  const out: Dispatch[] = []
  a.blocks.forEach((ab, i) => {
    if (!trans) {
      if (ab.rows === 0) return
      const params = packParams([['u', ab.rows], ['u', n], ['u', n], ['u', 0], ['u', 0], ['u', ab.row0], ['f', alpha], ['f', 0]])
      out.push({ pipeline, buffers: [ab.buffer, xb, yb], params, groups: [Math.min(ab.rows, 65535), Math.ceil(ab.rows / 65535)] })
    } else {
      const params = packParams([['u', ab.rows], ['u', n], ['u', n], ['u', 0], ['u', ab.row0], ['u', 0], ['f', alpha], ['f', i === 0 ? 0 : 1]])
      if (n > 0) out.push({ pipeline, buffers: [ab.buffer, xb, yb], params, groups: [Math.ceil(n / 256), 1] })
    }
  })
  return out
}

/**
 * y = α·op(A)·x on resident data: A `[m, n]` (f32 or f16, any number of row blocks), x `[len, 1]` f32;
 * returns a new `[len, 1]` f32 GpuMat. f32 accumulation.
 * @example const y = await gemvGpuMat(ctx, ga, gx)()
 * @since 0.1.0  @category gemv
 */
export const gemvGpuMat = (ctx: GpuContext, a: GpuMat, x: GpuMat, opts: GemvGpuOptions = {}): TE.TaskEither<GpuError, GpuMat> =>
  TE.tryCatch(async () => {
    const y = allocGpuMatSync(ctx, 'gemvGpuMat', opts.opA === 'transpose' ? a.shape[1] : a.shape[0], 1)
    try {
      await runDispatches(ctx, 'gemvGpuMat', await gemvDispatches(ctx, 'gemvGpuMat', a, x, y, opts))
      return y
    } catch (e) {
      y.destroy()
      throw e
    }
  }, toGpuError('gemvGpuMat'))

/**
 * y = α·A·x on the GPU for A `[m, n]` (any strides; a `transpose()` view runs the Aᵀ kernel without a
 * copy) and x of length n; returns a new Float32Array of length m. |y − A·x| ≤ 1e-5·√n·(|A|·|x|).
 * CPU reference: `gemv` of @lr/svd.
 * @example const y = await gemvGpu(ctx, a, new Float32Array([1, 2, 3]))()
 * @since 0.1.0  @category gemv
 */
export const gemvGpu = (ctx: GpuContext, a: Mat, x: Float, opts: Pick<GemvGpuOptions, 'alpha'> = {}): TE.TaskEither<GpuError, Float32Array> =>
  TE.tryCatch(async () => {
    if (a.shape[1] !== x.length) throw new ShapeMismatch('gemvGpu', 'a.cols = x.length', a.shape, [x.length])
    const [r, c] = a.shape
    const isT = a.stride[0] === 1 && (a.stride[1] === r || c <= 1) && r > 1
    const stored: Mat = isT ? { data: a.data, shape: [c, r], stride: [r, 1], offset: a.offset } : a
    const owned: GpuMat[] = []
    try {
      const ga = await unwrap(uploadMat(ctx, stored)); owned.push(ga)
      const gx = await unwrap(uploadMat(ctx, { data: x, shape: [x.length, 1], stride: [1, 1], offset: 0 })); owned.push(gx)
      const gy = await unwrap(gemvGpuMat(ctx, ga, gx, { ...opts, opA: isT ? 'transpose' : 'none' })); owned.push(gy)
      return (await unwrap(downloadMat(ctx, gy))).data
    } finally {
      for (const g of owned) g.destroy()
    }
  }, toGpuError('gemvGpu'))
