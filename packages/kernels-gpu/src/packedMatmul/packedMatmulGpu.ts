import * as TE from 'fp-ts/lib/TaskEither.js'
import type { Mat } from '@lr/svd'
import type { GpuContext } from '../context.js'
import { InvalidArgument, LimitExceeded, ShapeMismatch, toGpuError, type GpuError } from '../errors.js'
import { packParams, pipelineFor, runDispatches, withErrorScopes } from '../internal/run.js'
import { Usage } from '../internal/usage.js'
import { allocGpuMatSync, downloadMat, rowsPerBlock, uploadMat, type GpuMat } from '../transfer/gpuMat.js'
import { unwrap } from '../gemm/gemmGpu.js'
import { PACKED_TILE, packedMatmulWgsl } from './packedMatmul.wgsl.js'

/**
 * A weight W [rows, cols] in group-wise int-k, packed: code i = r·cols + c occupies bits [i·k, i·k + k) of the
 * little-endian bit stream `codes` (lsb-first, no padding between rows); groups of `groupSize` consecutive columns
 * of a row (the last one may be shorter) share scales[g] and zeros[g], g = r·⌈cols/groupSize⌉ + ⌊c/groupSize⌋;
 * ŵ = (q − z)·s. The layout of @lr/quant's `IntKQuantized` (which satisfies this type as is).
 * @since 0.1.0  @category packed
 */
export interface PackedIntK {
  readonly format: 'int'
  /** bits per code, 1…8 */
  readonly bits: number
  readonly groupSize: number
  readonly shape: readonly [rows: number, cols: number]
  readonly codes: Uint8Array
  readonly scales: Float32Array
  readonly zeros: Uint8Array
}

/**
 * A weight W [rows, cols] as 4-bit indices into a 16-level codebook, two per byte with the first element in the high
 * nibble (bitsandbytes' layout), and one f32 `absmax` per block of `blockSize` elements of the row-major flattened
 * weight: ŵ = codebook[q]·absmax[⌊i/blockSize⌋]. With @lr/quant's `NF4_CODEBOOK` this is NF4.
 * @since 0.1.0  @category packed
 */
export interface PackedCodebook4 {
  readonly format: 'codebook4'
  readonly blockSize: number
  readonly shape: readonly [rows: number, cols: number]
  readonly codes: Uint8Array
  readonly absmax: Float32Array
  /** the 16 levels */
  readonly codebook: Float32Array
}

/** A packed weight layout the GPU kernel reads. @since 0.1.0  @category packed */
export type PackedWeight = PackedIntK | PackedCodebook4

/** A packed weight resident on the GPU (codes as u32 words, scales/zeros or absmax/codebook as f32).
 *  Owns its buffers: `destroy()` (idempotent) frees them. @since 0.1.0  @category packed */
export interface GpuPackedWeight {
  readonly format: PackedWeight['format']
  readonly shape: readonly [rows: number, cols: number]
  readonly bits: number
  /** int-k group size or codebook block size */
  readonly groupSize: number
  readonly groupsPerRow: number
  /** offset (in f32 elements) of the zero points or codebook in the table buffer */
  readonly tableOffset: number
  readonly codes: GPUBuffer
  readonly table: GPUBuffer
  readonly isDestroyed: () => boolean
  destroy(): void
}

const isPosInt = (v: number): boolean => Number.isInteger(v) && v >= 1

/** Checks lengths and parameters of a PackedWeight (what the kernel trusts). */
const assertPacked = (op: string, w: PackedWeight): void => {
  const [rows, cols] = w.shape
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) throw new InvalidArgument(op, 'w.shape', `[${rows}, ${cols}] must be two non-negative integers`)
  const n = rows * cols
  if (w.format === 'int') {
    if (!Number.isInteger(w.bits) || w.bits < 1 || w.bits > 8) throw new InvalidArgument(op, 'w.bits', `${w.bits} must be an integer in 1…8`)
    if (!isPosInt(w.groupSize)) throw new InvalidArgument(op, 'w.groupSize', `${w.groupSize} must be a positive integer`)
    const need = Math.ceil((n * w.bits) / 8), gpr = Math.ceil(cols / w.groupSize)
    if (w.codes.length < need) throw new InvalidArgument(op, 'w.codes', `${n} codes of ${w.bits} bits need ${need} bytes, got ${w.codes.length}`)
    if (w.scales.length !== rows * gpr || w.zeros.length !== rows * gpr) throw new InvalidArgument(op, 'w.scales', `expected ${rows * gpr} scales and zeros (rows × ⌈cols/groupSize⌉), got ${w.scales.length} and ${w.zeros.length}`)
    if (n * w.bits >= 2 ** 32) throw new LimitExceeded(op, 'bits of packed codes', n * w.bits, 2 ** 32 - 1, 'split the weight by rows')
  } else if (w.format === 'codebook4') {
    if (!isPosInt(w.blockSize)) throw new InvalidArgument(op, 'w.blockSize', `${w.blockSize} must be a positive integer`)
    if (w.codes.length < Math.ceil(n / 2)) throw new InvalidArgument(op, 'w.codes', `${n} 4-bit codes need ${Math.ceil(n / 2)} bytes, got ${w.codes.length}`)
    if (w.absmax.length !== Math.ceil(n / w.blockSize)) throw new InvalidArgument(op, 'w.absmax', `expected ${Math.ceil(n / w.blockSize)} blocks, got ${w.absmax.length}`)
    if (w.codebook.length !== 16) throw new InvalidArgument(op, 'w.codebook', `expected 16 levels, got ${w.codebook.length}`)
    if (n >= 2 ** 32) throw new LimitExceeded(op, 'elements', n, 2 ** 32 - 1, 'split the weight by rows')
  } else throw new InvalidArgument(op, 'w.format', `unknown format "${(w as { format: string }).format}"`)
}

/** Copies bytes into u32 words (little-endian, as the stream is defined), plus one zero word so the kernel may read w + 1. */
const toWords = (bytes: Uint8Array, len: number): Uint32Array => {
  const words = new Uint32Array(Math.ceil(len / 4) + 1)
  new Uint8Array(words.buffer, 0, len).set(bytes.subarray(0, len))
  return words
}

/**
 * Uploads a packed weight for repeated products with {@link packedMatmulGpu}: the packed codes as u32 words (no
 * unpacking: a 4-bit weight takes 1/8 of its f32 size on the GPU) and the scales and zero points (int-k) or
 * absmax and codebook (codebook4) as f32.
 * @example const gw = await uploadPackedWeight(ctx, { format: 'int', bits: 4, groupSize: 64, shape: [m, n], codes, scales, zeros })()
 * @since 0.1.0  @category packed
 */
export const uploadPackedWeight = (ctx: GpuContext, w: PackedWeight): TE.TaskEither<GpuError, GpuPackedWeight> =>
  TE.tryCatch(async () => {
    const op = 'uploadPackedWeight'
    if (ctx.isDestroyed()) throw new InvalidArgument(op, 'ctx', 'the GpuContext was destroyed; create a new one')
    assertPacked(op, w)
    const [rows, cols] = w.shape, n = rows * cols
    const bits = w.format === 'int' ? w.bits : 4
    const words = toWords(w.codes, Math.ceil((n * bits) / 8))
    let table: Float32Array, tableOffset: number, groupSize: number, gpr: number
    if (w.format === 'int') {
      groupSize = w.groupSize; gpr = Math.ceil(cols / groupSize); tableOffset = w.scales.length
      table = new Float32Array(2 * tableOffset + 1)
      table.set(w.scales.subarray(0, tableOffset))
      for (let i = 0; i < tableOffset; i++) table[tableOffset + i] = w.zeros[i]!
    } else {
      groupSize = w.blockSize; gpr = 0; tableOffset = w.absmax.length
      table = new Float32Array(tableOffset + 16)
      table.set(w.absmax)
      table.set(w.codebook, tableOffset)
    }
    const cap = Math.min(ctx.limits.maxStorageBufferBindingSize, ctx.limits.maxBufferSize)
    for (const [name, bytes] of [['codes', words.byteLength], ['scales', table.byteLength]] as const) {
      if (bytes > cap) throw new LimitExceeded(op, 'maxStorageBufferBindingSize', bytes, cap, `the packed ${name} exceed one storage binding: split the weight by rows`)
    }
    const usage = Usage.STORAGE | Usage.COPY_DST
    const pad = (b: number) => Math.max(16, Math.ceil(b / 16) * 16)
    const codes = ctx.buffers.create(pad(words.byteLength), usage, `${op}:codes`)
    let tab: GPUBuffer | undefined
    let destroyed = false
    const destroy = () => { destroyed = true; ctx.buffers.destroy(codes); if (tab) ctx.buffers.destroy(tab) }
    try {
      tab = ctx.buffers.create(pad(table.byteLength), usage, `${op}:table`)
      const t = tab
      await withErrorScopes(ctx, op, async () => {
        ctx.device.queue.writeBuffer(codes, 0, words.buffer, 0, words.byteLength)
        ctx.device.queue.writeBuffer(t, 0, table.buffer, 0, table.byteLength)
        await ctx.device.queue.onSubmittedWorkDone()
      })
      return { format: w.format, shape: [rows, cols] as const, bits, groupSize, groupsPerRow: gpr, tableOffset, codes, table: t, isDestroyed: () => destroyed, destroy }
    } catch (e) {
      destroy()
      throw e
    }
  }, toGpuError('uploadPackedWeight'))

/**
 * Y = X·Ŵᵀ on the GPU for a packed weight Ŵ [out, in] (resident, from {@link uploadPackedWeight}) and X [n, in]
 * (any strides, f32 or f64; uploaded as f32): the kernel reads the packed u32 words and the scales directly,
 * decodes each weight in registers once per 16×16 output tile and accumulates in f32 (fma, in order of the
 * inner index): |Y − X·Ŵᵀ| ≤ (in + 1)·2⁻²⁴·(|X|·|Ŵ|ᵀ). Returns a new row-major Float32Array Mat [n, out].
 * Large n runs in several row chunks that each fit one storage binding. X is not checked for NaN/Inf.
 * CPU reference: @lr/quant's `quantizedMatmul`.
 * @example const y = await packedMatmulGpu(ctx, gw, x)()
 * @since 0.1.0  @category packed
 */
export const packedMatmulGpu = (ctx: GpuContext, w: GpuPackedWeight, x: Mat): TE.TaskEither<GpuError, Mat<Float32Array>> =>
  TE.tryCatch(async () => {
    const op = 'packedMatmulGpu'
    if (ctx.isDestroyed()) throw new InvalidArgument(op, 'ctx', 'the GpuContext was destroyed; create a new one')
    if (w.isDestroyed()) throw new InvalidArgument(op, 'w', 'the GpuPackedWeight was destroyed')
    const [outDim, cols] = w.shape, n = x.shape[0]
    if (x.shape[1] !== cols) throw new ShapeMismatch(op, 'x.cols = w.cols (y = x·Wᵀ)', x.shape, w.shape)
    const y = new Float32Array(n * outDim)
    const result: Mat<Float32Array> = { data: y, shape: [n, outDim], stride: [outDim, 1], offset: 0 }
    if (n === 0 || outDim === 0 || cols === 0) return result
    const pipeline = await pipelineFor(ctx, op, `packedMatmul:${w.format}:t${PACKED_TILE}`, packedMatmulWgsl(w.format))
    const maxGroups = ctx.limits.maxComputeWorkgroupsPerDimension
    if (Math.ceil(outDim / PACKED_TILE) > maxGroups) throw new LimitExceeded(op, 'maxComputeWorkgroupsPerDimension', Math.ceil(outDim / PACKED_TILE), maxGroups, 'split the weight by rows')
    const chunk = Math.max(1, Math.min(rowsPerBlock(ctx, op, Math.max(cols, 1), 'f32'), rowsPerBlock(ctx, op, outDim, 'f32'), maxGroups * PACKED_TILE))
    for (let r0 = 0; r0 < n; r0 += chunk) {
      const rows = Math.min(chunk, n - r0)
      const owned: GpuMat[] = []
      try {
        const gx = await unwrap(uploadMat(ctx, { data: x.data, shape: [rows, cols], stride: x.stride, offset: x.offset + r0 * x.stride[0] })); owned.push(gx)
        const gy = allocGpuMatSync(ctx, op, rows, outDim); owned.push(gy)
        const params = packParams([['u', rows], ['u', outDim], ['u', cols], ['u', w.bits], ['u', w.groupSize], ['u', w.groupsPerRow], ['u', w.tableOffset], ['u', 0]])
        await runDispatches(ctx, op, [{ pipeline, buffers: [gx.blocks[0]!.buffer, w.codes, w.table, gy.blocks[0]!.buffer], params, groups: [Math.ceil(outDim / PACKED_TILE), Math.ceil(rows / PACKED_TILE)] }])
        y.set((await unwrap(downloadMat(ctx, gy))).data, r0 * outDim)
      } finally {
        for (const g of owned) g.destroy()
      }
    }
    return result
  }, toGpuError('packedMatmulGpu'))
