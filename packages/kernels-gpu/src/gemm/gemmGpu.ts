import * as TE from 'fp-ts/lib/TaskEither.js'
import type { Mat } from '@lr/svd'
import { tileKey, type GpuContext } from '../context.js'
import { FeatureMissing, InvalidArgument, ShapeMismatch, toGpuError, type GpuError } from '../errors.js'
import { packParams, pipelineFor, runDispatches, type Dispatch } from '../internal/run.js'
import { allocGpuMatSync, downloadMat, uploadMat, type GpuDtype, type GpuMat } from '../transfer/gpuMat.js'
import { gemmWgsl, type GemmVariant } from './gemm.wgsl.js'
import { gemmDirectWgsl } from './gemmDirect.wgsl.js'
import { subgroupMatrixPlan } from './subgroupMatrix.js'

/** Options of gemmGpu / gemmGpuMat. @since 0.1.0  @category gemm */
export interface GemmGpuOptions {
  /** op(A): 'none' computes A·B, 'transpose' computes Aᵀ·B from A stored `[K, M]`. @default 'none' */
  readonly opA?: 'none' | 'transpose'
  /** Scale of the product. @default 1 */
  readonly alpha?: number
  /** Storage dtype of the uploaded operands (gemmGpu only): f16 halves the traffic, accumulation stays f32. @default 'f32' */
  readonly dtype?: GpuDtype
  /** Which kernel: the tiled kernel, or the tensor-core path through `chromium-experimental-subgroup-matrix` (f16 only). @default 'tiled' */
  readonly kernel?: 'tiled' | 'subgroup-matrix'
  /** Upper bound on one block's bytes for the uploads (tests use it to exercise chunking). @default the device's binding limit */
  readonly maxBlockBytes?: number
}

/** The shader key of a GEMM variant (the pipeline-cache key): dtype, op(A), tile, vector width.
 *  @example gemmShaderKey({ elem: 'f32', transA: false, vec4: true, tile: ctx.gemmTile }) // 'gemm:f32:nn:t128x128x8:r8x8:wg16x16:vec4'
 *  @since 0.1.0  @category gemm */
export const gemmShaderKey = (v: GemmVariant): string =>
  `gemm:${v.elem}:${v.transA ? "tn" : "nn"}:${tileKey(v.tile)}:${v.vec4 ? 'vec4' : 'vec1'}`

interface Range { readonly lo: number; readonly hi: number }
const intersect = (a: Range, b: Range): Range | undefined => {
  const lo = Math.max(a.lo, b.lo), hi = Math.min(a.hi, b.hi)
  return hi > lo ? { lo, hi } : undefined
}

/** The dispatches of C = α·op(A)·B into `c` (all resident). Validates shapes and dtypes. */
export const gemmDispatches = async (ctx: GpuContext, op: string, a: GpuMat, b: GpuMat, c: GpuMat, opts: GemmGpuOptions): Promise<Dispatch[]> => {
  const transA = opts.opA === 'transpose'
  const [M, K] = transA ? [a.shape[1], a.shape[0]] : a.shape
  const N = b.shape[1]
  if (b.shape[0] !== K) throw new ShapeMismatch(op, transA ? 'a.rows = b.rows (Aᵀ·B)' : 'a.cols = b.rows', a.shape, b.shape)
  if (c.shape[0] !== M || c.shape[1] !== N) throw new ShapeMismatch(op, 'out = [op(a).rows, b.cols]', c.shape, [M, N])
  if (a.dtype !== b.dtype) throw new InvalidArgument(op, 'b', `dtype ${b.dtype} differs from a's ${a.dtype}; upload both with the same dtype`)
  if (c.dtype !== 'f32') throw new InvalidArgument(op, 'out', 'the output of a GEMM is f32')
  for (const [name, g] of [['a', a], ['b', b], ['out', c]] as const) if (g.isDestroyed()) throw new InvalidArgument(op, name, 'the GpuMat was destroyed')
  if (a.dtype === 'f16' && !ctx.features.has('shader-f16')) throw new FeatureMissing(op, 'shader-f16', 'use dtype f32')
  const isSgMat = opts.kernel === 'subgroup-matrix'
  if (isSgMat && a.dtype !== 'f16') throw new InvalidArgument(op, 'a', "the subgroup-matrix kernel takes f16 operands: upload with dtype 'f16'")
  const alpha = opts.alpha ?? 1
  const lda = a.shape[1], ldb = N, ldc = N
  let pipeline: GPUComputePipeline, bm: number, bn: number
  let check = (_m: number, _k: number): void => {}
  if (isSgMat) {
    const plan = await subgroupMatrixPlan(ctx, op, transA, M, N, K)
    pipeline = plan.pipeline; bm = plan.bm; bn = plan.bn
    check = (m, k) => {
      if (m % plan.bm !== 0 || k % plan.k0 !== 0) throw new InvalidArgument(op, 'blocks', `row blocks of ${m}×${k} are not multiples of the ${plan.bm}×${plan.k0} fragment: upload with a maxBlockBytes that keeps rows a multiple of ${plan.bm}`)
    }
  } else {
    const variant: GemmVariant = { elem: a.dtype, transA, vec4: N % 4 === 0, tile: ctx.gemmTile }
    const isDirect = ctx.gemmTile.bk === 0
    pipeline = await pipelineFor(ctx, op, gemmShaderKey(variant), isDirect
      ? gemmDirectWgsl({ ...variant, wgX: ctx.gemmTile.wgX, wgY: ctx.gemmTile.wgY, tm: ctx.gemmTile.tm, tn: ctx.gemmTile.tn })
      : gemmWgsl(variant))
    ;({ bm, bn } = isDirect ? { bm: ctx.gemmTile.tm * ctx.gemmTile.wgY, bn: ctx.gemmTile.tn * ctx.gemmTile.wgX } : ctx.gemmTile)
  }
  const out: Dispatch[] = []
  const params = (m: number, k: number, aOff: number, bOff: number, cOff: number, beta: number) =>
    packParams([['u', m], ['u', N], ['u', k], ['u', lda], ['u', ldb], ['u', ldc], ['u', aOff], ['u', bOff], ['u', cOff], ['f', alpha], ['f', beta], ['u', 0]])
  const push = (buffers: GPUBuffer[], m: number, k: number, aOff: number, bOff: number, cOff: number, beta: number) => {
    if (m === 0 || N === 0) return
    check(m, k)
    out.push({ pipeline, buffers, params: params(m, k, aOff, bOff, cOff, beta), groups: [Math.ceil(N / bn), Math.ceil(m / bm)] })
  }
  for (const cb of c.blocks) {
    const cRows: Range = { lo: cb.row0, hi: cb.row0 + cb.rows }
    let first = true
    if (!transA) {
      for (const ab of a.blocks) {
        const rows = intersect(cRows, { lo: ab.row0, hi: ab.row0 + ab.rows })
        if (!rows) continue
        let firstK = true
        for (const bb of b.blocks) {
          push([ab.buffer, bb.buffer, cb.buffer], rows.hi - rows.lo, bb.rows, (rows.lo - ab.row0) * lda + bb.row0, 0, (rows.lo - cb.row0) * ldc, firstK ? 0 : 1)
          firstK = false
        }
      }
    } else {
      for (const ab of a.blocks) {
        for (const bb of b.blocks) {
          const ks = intersect({ lo: ab.row0, hi: ab.row0 + ab.rows }, { lo: bb.row0, hi: bb.row0 + bb.rows })
          if (!ks) continue
          push([ab.buffer, bb.buffer, cb.buffer], cb.rows, ks.hi - ks.lo, (ks.lo - ab.row0) * lda + cb.row0, (ks.lo - bb.row0) * ldb, 0, first ? 0 : 1)
          first = false
        }
      }
      // K = 0: still write C = 0
      if (first) push([a.blocks[0]!.buffer, b.blocks[0]!.buffer, cb.buffer], cb.rows, 0, 0, 0, 0, 0)
    }
  }
  return out
}

/**
 * C = α·op(A)·B on resident GpuMats, f32 accumulation, into a new f32 GpuMat `[M, N]` (the caller destroys it).
 * A and B may be split in row blocks of any size (multi-GB operands); the product is accumulated over them.
 * @example const c = await gemmGpuMat(ctx, ga, gb)()
 * @since 0.1.0  @category gemm
 */
export const gemmGpuMat = (ctx: GpuContext, a: GpuMat, b: GpuMat, opts: GemmGpuOptions = {}): TE.TaskEither<GpuError, GpuMat> =>
  TE.tryCatch(async () => {
    const M = opts.opA === 'transpose' ? a.shape[1] : a.shape[0]
    const c = allocGpuMatSync(ctx, 'gemmGpuMat', M, b.shape[1], 'f32')
    try {
      await runDispatches(ctx, 'gemmGpuMat', await gemmDispatches(ctx, 'gemmGpuMat', a, b, c, opts))
      return c
    } catch (e) {
      c.destroy()
      throw e
    }
  }, toGpuError('gemmGpuMat'))

/** A transposed view of a row-major matrix (stride [1, rows]) is uploaded as that row-major matrix. */
const asStored = (m: Mat): { readonly stored: Mat; readonly isTransposed: boolean } => {
  const [r, c] = m.shape
  if (m.stride[0] === 1 && (m.stride[1] === r || c <= 1) && r > 1)
    return { stored: { data: m.data, shape: [c, r], stride: [r, 1], offset: m.offset }, isTransposed: true }
  return { stored: m, isTransposed: false }
}

/**
 * C = α·A·B on the GPU: uploads A and B (chunked, any strides; a `transpose()` view of A is read
 * transposed without a copy), runs the tiled kernel and downloads C as a new row-major
 * `Mat<Float32Array>` `[M, N]`. f32: |C − A·B| ≤ 1e-5·√K·(|A|·|B|) elementwise. CPU reference: `gemm` of @lr/svd.
 * @example
 * const c = await gemmGpu(ctx, matrix(a, 64, 32), matrix(b, 32, 16))()
 * @since 0.1.0  @category gemm
 */
export const gemmGpu = (ctx: GpuContext, a: Mat, b: Mat, opts: GemmGpuOptions = {}): TE.TaskEither<GpuError, Mat<Float32Array>> =>
  TE.tryCatch(async () => {
    if (a.shape[1] !== b.shape[0]) throw new ShapeMismatch('gemmGpu', 'a.cols = b.rows', a.shape, b.shape)
    const { stored, isTransposed } = asStored(a)
    const up = { dtype: opts.dtype ?? 'f32', ...(opts.maxBlockBytes !== undefined ? { maxBlockBytes: opts.maxBlockBytes } : {}) } as const
    const owned: GpuMat[] = []
    try {
      const ga = await unwrap(uploadMat(ctx, stored, up)); owned.push(ga)
      const gb = await unwrap(uploadMat(ctx, b, up)); owned.push(gb)
      const gc = await unwrap(gemmGpuMat(ctx, ga, gb, { ...opts, opA: isTransposed ? 'transpose' : 'none' })); owned.push(gc)
      return await unwrap(downloadMat(ctx, gc))
    } finally {
      for (const g of owned) g.destroy()
    }
  }, toGpuError('gemmGpu'))

/** Runs a TaskEither and throws its Left (inside a tryCatch that rewraps it). */
export const unwrap = async <A>(t: TE.TaskEither<GpuError, A>): Promise<A> => {
  const r = await t()
  if (r._tag === 'Left') throw r.left
  return r.right
}
