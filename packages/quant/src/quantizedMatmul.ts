import { ShapeMismatch, zerosLike, type Float, type Mat } from '@lr/svd'
import { assertQuantized, decodeRowInto } from './dequantize.js'
import { assertFinite, assertMat } from './internal/validate.js'
import type { Quantized } from './quantized.js'

/** Options of {@link quantizedMatmul}. */
export interface QuantizedMatmulOptions {
  /** reject NaN/±Inf in x @default true */
  readonly checkFinite?: boolean
}

/**
 * y = x·Ŵᵀ for a quantized weight Ŵ [out, in] without materialising Ŵ: each weight row is decoded once into a
 * scratch row and dotted with every row of x (f64 accumulation). x: Mat [n, in], f32|f64, any strides;
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
