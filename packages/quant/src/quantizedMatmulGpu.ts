import * as TE from 'fp-ts/lib/TaskEither.js'
import { ShapeMismatch, type Mat } from '@lr/svd'
import { packedMatmulGpu, toGpuError, uploadPackedWeight, type GpuContext, type GpuError, type GpuPackedWeight, type PackedWeight } from '@lr/kernels-gpu'
import { assertQuantized } from './dequantize.js'
import type { QuantError } from './errors.js'
import { assertFinite, assertMat } from './internal/validate.js'
import { NF4_CODEBOOK } from './nf4Codebook.js'
import type { Quantized } from './quantized.js'

/** Options of {@link quantizedMatmulGpu}. */
export interface QuantizedMatmulGpuOptions {
  /** reject NaN/±Inf in x @default true */
  readonly checkFinite?: boolean
}

/** The packed layout @lr/kernels-gpu reads for a Quantized weight (no copy: the same codes, scales and zeros). @internal */
export const toPackedWeight = (q: Quantized): PackedWeight =>
  q.format === 'int'
    ? { format: 'int', bits: q.bits, groupSize: q.groupSize, shape: q.shape, codes: q.codes, scales: q.scales, zeros: q.zeros }
    : { format: 'codebook4', blockSize: q.blockSize, shape: q.shape, codes: q.codes, absmax: q.absmax, codebook: NF4_CODEBOOK }

/**
 * Uploads a quantized weight to the GPU in its packed form (codes as u32 words, f32 scales/zeros or absmax and the
 * NF4 codebook), for repeated {@link quantizedMatmulGpu} calls without re-uploading. `destroy()` the result when done.
 * @example const gw = await uploadQuantized(ctx, quantizeNf4(w))()
 * @since 0.1.0  @category quantization
 */
export const uploadQuantized = (ctx: GpuContext, q: Quantized): TE.TaskEither<QuantError | GpuError, GpuPackedWeight> =>
  TE.tryCatch(async () => {
    assertQuantized(q, 'uploadQuantized')
    const r = await uploadPackedWeight(ctx, toPackedWeight(q))()
    if (r._tag === 'Left') throw r.left
    return r.right
  }, (e) => toGpuError('uploadQuantized')(e) as QuantError | GpuError)

/**
 * y = x·Ŵᵀ on the GPU for a quantized weight Ŵ [out, in] (int-k 1…8 bits, any group size, symmetric or not; NF4):
 * the WGSL kernel of @lr/kernels-gpu reads the packed codes and the f32 scales directly, decodes in registers and
 * accumulates in f32, so Ŵ is never materialised, on the GPU or here. `q` is a `Quantized` (uploaded for this call)
 * or a weight already resident from {@link uploadQuantized}. x: Mat [n, in], f32|f64, any strides; returns a new
 * row-major f32 Mat [n, out]; |y − quantizedMatmul(x, q)| ≤ (in + 1)·2⁻²⁴·(|x|·|Ŵ|ᵀ). Validates like the CPU
 * `quantizedMatmul` (errors are Left: ShapeMismatch, NotFinite, InvalidArgument, or a GpuError).
 * @example const y = await quantizedMatmulGpu(ctx, matrix(new Float32Array(64), 1, 64), quantizeNf4(matrix(new Float32Array(128), 2, 64)))()
 * @since 0.1.0  @category quantization
 */
export const quantizedMatmulGpu = (ctx: GpuContext, x: Mat, q: Quantized | GpuPackedWeight, opts: QuantizedMatmulGpuOptions = {}): TE.TaskEither<QuantError | GpuError, Mat<Float32Array>> =>
  TE.tryCatch(async () => {
    const op = 'quantizedMatmulGpu'
    assertMat(x, op, 'x')
    const resident = 'isDestroyed' in q
    if (!resident) assertQuantized(q, op)
    if (x.shape[1] !== q.shape[1]) throw new ShapeMismatch(op, 'x.cols = w.cols (y = x·Wᵀ)', x.shape, q.shape)
    if (opts.checkFinite ?? true) assertFinite(x, op, 'x')
    let gw: GpuPackedWeight
    if (resident) gw = q
    else {
      const up = await uploadPackedWeight(ctx, toPackedWeight(q))()
      if (up._tag === 'Left') throw up.left
      gw = up.right
    }
    try {
      const r = await packedMatmulGpu(ctx, gw, x)()
      if (r._tag === 'Left') throw r.left
      return r.right
    } finally {
      if (!resident) gw.destroy()
    }
  }, (e) => toGpuError('quantizedMatmulGpu')(e) as QuantError | GpuError)
