import { NotFinite, ShapeMismatch } from '@lr/svd'
import { phaseQuantizeKernel, phaseCode, MIN_SCALE, type PhaseCode } from './internal/phaseQuantizeKernel.js'

/** Code of a complex weight: value = iᶜ, i.e. 0 → +1, 1 → +i, 2 → −1, 3 → −i.
 *  @since 0.1.0  @category model */
export type { PhaseCode }

/** One quantization stage: a code per entry (0 → +1, 1 → +i, 2 → −1, 3 → −i) and two per-tensor f32 scales.
 *  The dequantized entry is s_re·(±1) for codes 0/2 and i·s_im·(±1) for codes 1/3.
 *  @since 0.1.0  @category model */
export interface PhaseQuantized {
  /** One code per entry (unpacked), same order as the input. */
  readonly codes: Uint8Array
  /** mean |re| over the ±1 entries, ≥ 1e-6, an exact f32 value. */
  readonly scaleRe: number
  /** mean |im| over the ±i entries, ≥ 1e-6, an exact f32 value. */
  readonly scaleIm: number
}

/** Options of {@link phaseQuantize}. @since 0.1.0 @category options */
export interface PhaseQuantizeOptions {
  /** Tensor name used in error messages. @default 'w' */
  readonly name?: string
  /** Reject NaN/±Inf entries. @default true */
  readonly checkFinite?: boolean
}

/** The smallest scale (the official code's `torch.clamp(s, min=1e-6)`), as f32. @since 0.1.0 @category constants */
export { MIN_SCALE, phaseCode }

/**
 * PhaseQuant (Fairy2i, arXiv:2512.02901): each complex weight re + i·im becomes one of {+1, +i, −1, −i} by its angle
 * θ = atan2(im, re): [−π/4, π/4) → +1, [π/4, 3π/4) → +i, [−3π/4, −π/4) → −i, otherwise −1 (0 → +1).
 * Per-tensor scales s_re = mean |re| over the ±1 entries and s_im = mean |im| over the ±i entries (f64 sums), each ≥ 1e-6.
 * re, im: Float32Array of the same length (any shape, flattened). Same as `quantize_complex_tensor` in the official code.
 * @throws ShapeMismatch when the lengths differ; NotFinite (default) on NaN/±Inf, naming the tensor.
 * @example const { codes, scaleRe, scaleIm } = phaseQuantize(new Float32Array([1, 0]), new Float32Array([0, -2]))
 * @since 0.1.0  @category quantizers
 */
export function phaseQuantize(re: Float32Array, im: Float32Array, opts: PhaseQuantizeOptions = {}): PhaseQuantized {
  const name = opts.name ?? 'w'
  if (re.length !== im.length) throw new ShapeMismatch('phaseQuantize', `tensor "${name}": re.length = im.length`, [re.length], [im.length])
  if (opts.checkFinite ?? true) {
    for (let k = 0; k < re.length; k++) {
      if (!Number.isFinite(re[k]!)) throw new NotFinite('phaseQuantize', `${name} (real part)`, [k, 0], re[k]!)
      if (!Number.isFinite(im[k]!)) throw new NotFinite('phaseQuantize', `${name} (imaginary part)`, [k, 0], im[k]!)
    }
  }
  const codes = new Uint8Array(re.length)
  const { scaleRe, scaleIm } = phaseQuantizeKernel(re, im, codes)
  return { codes, scaleRe, scaleIm }
}
