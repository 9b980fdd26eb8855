import { InvalidArgument, ShapeMismatch, gemm, zerosLike, type Float, type Mat } from '@lr/svd'
import { assertQuantized, decodeRowInto } from './dequantize.js'
import { assertFinite, assertMat } from './internal/validate.js'
import type { Quantized } from './quantized.js'

/** Options of {@link quantizedMatmul}. */
export interface QuantizedMatmulOptions {
  /** reject NaN/±Inf in x @default true */
  readonly checkFinite?: boolean
  /** `reference`: each weight row decoded once and dotted with every row of x in f64 (the CPU reference).
   *  `gemm`: `blockRows` weight rows at a time decoded into a scratch block of x's dtype and multiplied with
   *  @lr/svd's `gemm` (its fastest CPU kernel, WebAssembly SIMD; accumulation in x's dtype) — what an evaluator uses.
   *  Neither materialises Ŵ. @default 'reference' */
  readonly kernel?: 'reference' | 'gemm'
  /** weight rows decoded per block by the `gemm` kernel (scratch of blockRows × in values) @default 64 */
  readonly blockRows?: number
}

/**
 * y = x·Ŵᵀ for a quantized weight Ŵ [out, in] without materialising Ŵ: each weight row is decoded once into a
 * scratch row and dotted with every row of x (f64 accumulation); with `kernel: 'gemm'`, blocks of decoded rows go
 * through @lr/svd's gemm instead (fast; accumulation in x's dtype). x: Mat [n, in], f32|f64, any strides;
 * returns a new row-major Mat [n, out] of x's dtype. This is the CPU reference of the GPU kernel.
 * @example const y = quantizedMatmul(matrix(new Float32Array(64), 1, 64), quantizeNf4(matrix(new Float32Array(128), 2, 64)))
 * @since 0.1.0  @category quantization
 */
export function quantizedMatmul<T extends Float>(x: Mat<T>, q: Quantized, opts: QuantizedMatmulOptions = {}): Mat<T> {
  assertMat(x, 'quantizedMatmul', 'x')
  assertQuantized(q, 'quantizedMatmul')
  const [n, inDim] = x.shape, [outDim, cols] = q.shape
  if (inDim !== cols) throw new ShapeMismatch('quantizedMatmul', 'x.cols = w.cols (y = x·Wᵀ)', x.shape, q.shape)
  if (opts.checkFinite ?? true) assertFinite(x, 'quantizedMatmul', 'x')
  const y = zerosLike(x, n, outDim)
  if ((opts.kernel ?? 'reference') === 'gemm') {
    const blockRows = opts.blockRows ?? 64
    if (!Number.isInteger(blockRows) || blockRows < 1) throw new InvalidArgument('quantizedMatmul', 'blockRows', `${blockRows} must be a positive integer`)
    const b = Math.min(blockRows, Math.max(outDim, 1)), idx = new Int32Array(cols)
    const scratch = (x.data instanceof Float32Array ? new Float32Array(b * cols) : new Float64Array(b * cols)) as T
    for (let o0 = 0; o0 < outDim; o0 += b) {
      const rows = Math.min(b, outDim - o0)
      for (let i = 0; i < rows; i++) decodeRowInto(q, o0 + i, idx, scratch.subarray(i * cols, (i + 1) * cols))
      const blockT: Mat<T> = { data: scratch, shape: [cols, rows], stride: [1, cols], offset: 0 } // Ŵ[o0:o0+rows]ᵀ as a view
      gemm(x, blockT, { out: { data: y.data, shape: [n, rows], stride: [outDim, 1], offset: o0 }, checkFinite: false })
    }
    return y
  }
  const row = new Float64Array(cols), idx = new Int32Array(cols)
  const xd = x.data, s0 = x.stride[0], s1 = x.stride[1], yd = y.data
  for (let o = 0; o < outDim; o++) {
    decodeRowInto(q, o, idx, row)
    for (let r = 0; r < n; r++) {
      const base = x.offset + r * s0
      let acc = 0
      for (let j = 0; j < cols; j++) acc += xd[base + j * s1]! * row[j]!
      yd[r * outDim + o] = acc
    }
  }
  return y
}
