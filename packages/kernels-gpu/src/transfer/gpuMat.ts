import * as TE from 'fp-ts/lib/TaskEither.js'
import { MapMode, Usage } from '../internal/usage.js'
import type { Mat } from '@lr/svd'
import type { GpuContext } from '../context.js'
import { InvalidArgument, LimitExceeded, toGpuError, type GpuError } from '../errors.js'
import { fromHalfBits, toHalfBits } from '../internal/half.js'
import { withErrorScopes } from '../internal/run.js'

/** Storage dtype of a GpuMat: f32, or f16 (IEEE binary16, needs the `shader-f16` feature in kernels). */
export type GpuDtype = 'f32' | 'f16'

/** A contiguous run of rows `[row0, row0 + rows)` held in one GPU buffer (row-major, `cols` per row). */
export interface GpuMatBlock {
  readonly buffer: GPUBuffer
  readonly row0: number
  readonly rows: number
}

/**
 * A row-major matrix resident on the GPU, split into row blocks so that each block fits
 * `maxStorageBufferBindingSize` and `maxBufferSize`: a matrix of several GB is several buffers.
 * Owns its buffers: call `destroy()` (idempotent) when done.
 * @since 0.1.0  @category transfer
 */
export interface GpuMat {
  readonly shape: readonly [rows: number, cols: number]
  readonly dtype: GpuDtype
  readonly blocks: readonly GpuMatBlock[]
  readonly isDestroyed: () => boolean
  destroy(): void
}

/** Options of uploadMat / allocGpuMat. @since 0.1.0  @category transfer */
export interface UploadOptions {
  /** Storage dtype on the GPU (f16 rounds to nearest even). @default 'f32' */
  readonly dtype?: GpuDtype
  /** Upper bound on one block's bytes (below the device's binding limit; smaller blocks exercise chunking). @default min(maxStorageBufferBindingSize, maxBufferSize) */
  readonly maxBlockBytes?: number
  /** Bytes staged per queue write / readback copy. @default 32 MiB */
  readonly chunkBytes?: number
}

const DEFAULT_CHUNK = 32 * 2 ** 20
const bytesOf = (d: GpuDtype): number => (d === 'f32' ? 4 : 2)
const align16 = (n: number): number => Math.max(16, Math.ceil(n / 16) * 16)
/** Rows per staging chunk; even for f16 so that every chunk starts on a 4-byte boundary. */
const chunkRows = (chunkBytes: number, cols: number, eb: number): number => {
  const r = Math.max(1, Math.floor(chunkBytes / Math.max(1, cols * eb)))
  return eb === 2 ? Math.max(2, r - (r & 1)) : r
}

/** Rows per block for a matrix of `cols` columns, or LimitExceeded when one row is too large. */
export const rowsPerBlock = (ctx: GpuContext, op: string, cols: number, dtype: GpuDtype, maxBlockBytes?: number): number => {
  // 32 bytes of slack: buffers are padded to 16 bytes plus 4 (f16 rows of odd length)
  const cap = Math.min(Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize) - 32, maxBlockBytes ?? Infinity)
  const rowBytes = cols * bytesOf(dtype)
  const rows = Math.floor(cap / Math.max(rowBytes, 1))
  if (rows < 1) throw new LimitExceeded(op, 'maxStorageBufferBindingSize', rowBytes, cap, 'one row is larger than a storage binding: split the matrix by columns or use f16 storage')
  // whole 64-row groups per block keep block edges on every kernel's tile (the subgroup-matrix kernel needs it)
  return rows >= 128 ? rows - (rows % 64) : rows
}

const makeGpuMat = (ctx: GpuContext, shape: readonly [number, number], dtype: GpuDtype, blocks: GpuMatBlock[]): GpuMat => {
  let destroyed = false
  return {
    shape, dtype, blocks,
    isDestroyed: () => destroyed,
    destroy: () => {
      if (destroyed) return
      destroyed = true
      for (const b of blocks) ctx.buffers.destroy(b.buffer)
    },
  }
}

/** Allocates an uninitialised GpuMat (the output of a kernel). Synchronous: buffer creation does not wait. */
export const allocGpuMatSync = (ctx: GpuContext, op: string, rows: number, cols: number, dtype: GpuDtype = 'f32', maxBlockBytes?: number): GpuMat => {
  if (ctx.isDestroyed()) throw new InvalidArgument(op, 'ctx', 'the GpuContext was destroyed; create a new one')
  const per = rowsPerBlock(ctx, op, cols, dtype, maxBlockBytes)
  const blocks: GpuMatBlock[] = []
  const usage = Usage.STORAGE | Usage.COPY_SRC | Usage.COPY_DST
  try {
    for (let r0 = 0; r0 < rows || (rows === 0 && blocks.length === 0); r0 += per) {
      const n = Math.min(per, rows - r0)
      blocks.push({ buffer: ctx.buffers.create(align16(n * cols * bytesOf(dtype) + 4), usage, `${op}:block@${r0}`), row0: r0, rows: n })
      if (rows === 0) break
    }
  } catch (e) {
    for (const b of blocks) ctx.buffers.destroy(b.buffer)
    throw e
  }
  return makeGpuMat(ctx, [rows, cols], dtype, blocks)
}

/** An uninitialised GpuMat `[rows, cols]`.
 *  @example const out = await allocGpuMat(ctx, 1024, 64)()
 *  @since 0.1.0  @category transfer */
export const allocGpuMat = (ctx: GpuContext, rows: number, cols: number, opts: UploadOptions = {}): TE.TaskEither<GpuError, GpuMat> =>
  TE.tryCatch(async () => allocGpuMatSync(ctx, 'allocGpuMat', rows, cols, opts.dtype ?? 'f32', opts.maxBlockBytes), toGpuError('allocGpuMat'))

/** Copies rows [r0, r0 + n) of `m` into `dst` (row-major, f32 or f16 bits). */
const packRows = (m: Mat, r0: number, n: number, dst: Float32Array | Uint16Array): void => {
  const cols = m.shape[1], s0 = m.stride[0], s1 = m.stride[1], d = m.data
  if (dst instanceof Float32Array) {
    for (let i = 0; i < n; i++) {
      const base = m.offset + (r0 + i) * s0, o = i * cols
      for (let j = 0; j < cols; j++) dst[o + j] = d[base + j * s1]!
    }
  } else {
    for (let i = 0; i < n; i++) {
      const base = m.offset + (r0 + i) * s0, o = i * cols
      for (let j = 0; j < cols; j++) dst[o + j] = toHalfBits(d[base + j * s1]!)
    }
  }
}

export const uploadInto = async (ctx: GpuContext, op: string, m: Mat, g: GpuMat, chunkBytes = DEFAULT_CHUNK): Promise<void> => {
  const cols = m.shape[1], eb = bytesOf(g.dtype)
  const contiguous = g.dtype === 'f32' && m.data instanceof Float32Array && m.stride[1] === 1 && (m.stride[0] === cols || m.shape[0] <= 1)
  const rowsPerChunk = chunkRows(chunkBytes, cols, eb)
  let sinceWait = 0
  for (const blk of g.blocks) {
    for (let r = 0; r < blk.rows; r += rowsPerChunk) {
      const n = Math.min(rowsPerChunk, blk.rows - r)
      const dstOffset = r * cols * eb
      if (contiguous) {
        const start = m.offset + (blk.row0 + r) * cols
        ctx.device.queue.writeBuffer(blk.buffer, dstOffset, m.data as Float32Array<ArrayBuffer>, start, n * cols)
      } else {
        const len = n * cols
        const tmp = g.dtype === 'f32' ? new Float32Array(len) : new Uint16Array(len + (len & 1))
        packRows(m, blk.row0 + r, n, tmp)
        ctx.device.queue.writeBuffer(blk.buffer, dstOffset, tmp.buffer, 0, tmp.byteLength)
      }
      sinceWait += n * cols * eb
      // Dawn stages every writeBuffer in host memory until the GPU consumes it: bound that memory.
      if (sinceWait >= 8 * chunkBytes) { await ctx.device.queue.onSubmittedWorkDone(); sinceWait = 0 }
    }
  }
  void op
}

/**
 * Uploads a matrix (any strides, f32 or f64 data) to the GPU, in chunks of `chunkBytes`, into row
 * blocks that each fit the device's binding limit. f64 data is rounded to the storage dtype.
 * @example const g = await uploadMat(ctx, matrix(new Float32Array(8), 2, 4))()
 * @since 0.1.0  @category transfer
 */
export const uploadMat = (ctx: GpuContext, m: Mat, opts: UploadOptions = {}): TE.TaskEither<GpuError, GpuMat> =>
  TE.tryCatch(async () => {
    const g = allocGpuMatSync(ctx, 'uploadMat', m.shape[0], m.shape[1], opts.dtype ?? 'f32', opts.maxBlockBytes)
    try {
      await withErrorScopes(ctx, 'uploadMat', () => uploadInto(ctx, 'uploadMat', m, g, opts.chunkBytes))
      return g
    } catch (e) {
      g.destroy()
      throw e
    }
  }, toGpuError('uploadMat'))

/** Downloads into a fresh row-major Float32Array matrix (f16 storage is widened exactly). */
export const downloadInto = async (ctx: GpuContext, g: GpuMat, out: Float32Array, chunkBytes = DEFAULT_CHUNK): Promise<void> => {
  const cols = g.shape[1], eb = bytesOf(g.dtype)
  const totalBytes = g.shape[0] * cols * eb
  // readback copies need 4-byte sizes and offsets: chunk on whole rows, rounded to 4 bytes
  const rowsPerChunk = chunkRows(chunkBytes, cols, eb)
  const stagingSize = align16(Math.min(rowsPerChunk * cols * eb, totalBytes) + 4)
  const staging = ctx.buffers.acquire(stagingSize, Usage.MAP_READ | Usage.COPY_DST, 'readback')
  try {
    for (const blk of g.blocks) {
      for (let r = 0; r < blk.rows; r += rowsPerChunk) {
        const n = Math.min(rowsPerChunk, blk.rows - r)
        const srcOff = r * cols * eb
        const start = srcOff - (srcOff % 4)
        const lead = srcOff - start
        const size = Math.ceil((n * cols * eb + lead) / 4) * 4
        const enc = ctx.device.createCommandEncoder({ label: 'downloadMat' })
        enc.copyBufferToBuffer(blk.buffer, start, staging, 0, Math.min(size, blk.buffer.size - start))
        ctx.device.queue.submit([enc.finish()])
        await staging.mapAsync(MapMode.READ, 0, stagingSize)
        try {
          const range = staging.getMappedRange(0, stagingSize)
          const o = (blk.row0 + r) * cols
          if (g.dtype === 'f32') out.set(new Float32Array(range, 0, n * cols), o)
          else {
            const h = new Uint16Array(range, lead, n * cols)
            for (let i = 0; i < h.length; i++) out[o + i] = fromHalfBits(h[i]!)
          }
        } finally {
          staging.unmap()
        }
      }
    }
  } finally {
    ctx.buffers.release(staging)
  }
}

/**
 * Downloads a GpuMat into a new row-major `Mat<Float32Array>`, through one reused staging buffer of
 * at most `chunkBytes`. Does not destroy `g`.
 * @example const m = await downloadMat(ctx, g)()
 * @since 0.1.0  @category transfer
 */
export const downloadMat = (ctx: GpuContext, g: GpuMat, opts: Pick<UploadOptions, 'chunkBytes'> = {}): TE.TaskEither<GpuError, Mat<Float32Array>> =>
  TE.tryCatch(async () => {
    if (g.isDestroyed()) throw new InvalidArgument('downloadMat', 'g', 'the GpuMat was destroyed')
    const out = new Float32Array(g.shape[0] * g.shape[1])
    await withErrorScopes(ctx, 'downloadMat', () => downloadInto(ctx, g, out, opts.chunkBytes))
    return { data: out, shape: [g.shape[0], g.shape[1]] as const, stride: [g.shape[1], 1] as const, offset: 0 }
  }, toGpuError('downloadMat'))
