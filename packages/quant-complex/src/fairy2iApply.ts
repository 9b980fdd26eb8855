import { ShapeMismatch, NotFinite, type Mat } from '@lr/svd'
import { packedRowBytes } from './packCodes.js'
import type { Fairy2iPacked } from './fairy2iQuantize.js'
import { assertPacked } from './internal/assertPacked.js'
import { applyRows, buildTable, GROUP_FLOATS } from './internal/applyKernel.js'
import { simdApply, simdApplyBatch, BATCH } from './internal/simdKernel.js'
import type { Fairy2iPrepared } from './fairy2iPrepare.js'

/** Options of {@link fairy2iApply}. @since 0.1.0 @category options */
export interface Fairy2iApplyOptions {
  /** Reject NaN/±Inf inputs. @default true */
  readonly checkFinite?: boolean
  /** Write the result here (row-major or strided `[batch, rows]`, f32) and return it. */
  readonly out?: Mat<Float32Array>
  /** Layer name used in error messages. @default 'layer' */
  readonly name?: string
}

/**
 * Multiplication-free apply of a packed Fairy2i layer, as `F.linear`: Y = X·A_qᵀ for X `[batch, in]` → Y `[batch, out]`
 * (a Float32Array x of length `in` is one row). Pass a {@link fairy2iPrepare}d layer for the WebAssembly SIMD kernel
 * (f32 accumulators); a plain Fairy2iPacked runs the TypeScript kernel (f64 accumulators). Per output row and stage, four signed sums over the codes
 * (additions only, through a 256-entry table of byte patterns per 4 columns), the scales applied once at the end.
 * Equal to X·fairy2iDequantize(p)ᵀ up to f32 rounding; reads 2T bits per complex weight pair instead of 32 bits per real weight.
 * @throws ShapeMismatch when x's width ≠ p.cols; NotFinite (default); Fairy2iFormatError on inconsistent codes.
 * @example const y = fairy2iApply(fairy2iQuantize(a), new Float32Array(a.shape[1]).fill(1))
 * @since 0.1.0  @category apply
 */
export function fairy2iApply(layer: Fairy2iPacked | Fairy2iPrepared, x: Mat<Float32Array> | Float32Array, opts: Fairy2iApplyOptions = {}): Mat<Float32Array> {
  const name = opts.name ?? 'layer'
  const prepared = '_tag' in layer ? layer : undefined
  const p = prepared ? prepared.packed : layer as Fairy2iPacked
  if (!prepared) assertPacked(p, 'fairy2iApply', name)
  const xm: Mat<Float32Array> = x instanceof Float32Array ? { data: x, shape: [1, x.length], stride: [x.length, 1], offset: 0 } : x
  if (!(xm.data instanceof Float32Array)) throw new ShapeMismatch('fairy2iApply', `${name}: x must be Float32Array`, xm.shape, [])
  const [batch, width] = xm.shape
  if (width !== p.cols) throw new ShapeMismatch('fairy2iApply', `${name}: x.cols = layer in`, xm.shape, [p.rows, p.cols])
  const d = xm.data, s0 = xm.stride[0], s1 = xm.stride[1]
  if (opts.checkFinite ?? true) {
    for (let b = 0; b < batch; b++) for (let k = 0; k < width; k++) {
      const v = d[xm.offset + b * s0 + k * s1]!
      if (!Number.isFinite(v)) throw new NotFinite('fairy2iApply', `${name}: x`, [b, k], v)
    }
  }
  const out = opts.out ?? { data: new Float32Array(batch * p.rows), shape: [batch, p.rows], stride: [p.rows, 1], offset: 0 }
  if (out.shape[0] !== batch || out.shape[1] !== p.rows) throw new ShapeMismatch('fairy2iApply', `${name}: out.shape = [batch, out]`, out.shape, [batch, p.rows])
  const simd = prepared?.simd
  if (simd) {
    // One vector: the 2 MiB-per-4096-columns single-vector table. Two or more: 4 vectors per pass over the codes.
    if (batch === 1) simdApply(simd, d, xm.offset, s1, out.data, out.offset, out.stride[1])
    else for (let b = 0; b < batch; b += BATCH) {
      simdApplyBatch(simd, Math.min(BATCH, batch - b), d, xm.offset + b * s0, s0, s1, out.data, out.offset + b * out.stride[0], out.stride[0], out.stride[1])
    }
    return out
  }
  const n = p.rows / 2, m = p.cols / 2, rb = packedRowBytes(m)
  const codes: Uint8Array[] = [], words: (Uint32Array | undefined)[] = []
  const scales = new Float64Array(4 * p.stages.length)
  p.stages.forEach((s, t) => {
    for (const [i, c] of [s.u, s.w].entries()) {
      codes.push(c.codes)
      words.push(rb % 4 === 0 && c.codes.byteOffset % 4 === 0 ? new Uint32Array(c.codes.buffer, c.codes.byteOffset, c.codes.length >>> 2) : undefined)
      scales[4 * t + 2 * i] = c.scaleRe
      scales[4 * t + 2 * i + 1] = c.scaleIm
    }
  })
  const table = new Float32Array(rb * GROUP_FLOATS), pair = new Float64Array(128)
  for (let b = 0; b < batch; b++) {
    buildTable(m, d, xm.offset + b * s0, s1, table, pair)
    applyRows(n, rb, codes, words, scales, table, out.data, out.offset + b * out.stride[0], out.stride[1])
  }
  return out
}
