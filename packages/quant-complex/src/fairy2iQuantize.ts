import type { Mat } from '@lr/svd'
import { widelyLinear } from './widelyLinear.js'
import { residualQuantize } from './residualQuantize.js'
import { assertStages } from './internal/assertStages.js'
import { packCodes } from './packCodes.js'
import { OddDimension } from './errors.js'

/** One matrix (U or W) of one stage: packed codes `[n, ⌈m/4⌉]` bytes and its two f32 scales.
 *  @since 0.1.0  @category model */
export interface PackedCodes {
  /** 2 bits per code, 4 codes per byte (see {@link packCodes}); code c means iᶜ: 0 → +1, 1 → +i, 2 → −1, 3 → −i. */
  readonly codes: Uint8Array
  readonly scaleRe: number
  readonly scaleIm: number
}

/** One residual stage: U's and W's codes and scales. @since 0.1.0 @category model */
export interface Fairy2iStage {
  readonly u: PackedCodes
  readonly w: PackedCodes
}

/** A Fairy2i-quantized real layer `[rows = out, cols = in]` (both even): T stages of packed U and W codes.
 *  The dense equivalent is {@link fairy2iDequantize}; {@link fairy2iApply} multiplies without densifying.
 *  @since 0.1.0  @category model */
export interface Fairy2iPacked {
  readonly rows: number
  readonly cols: number
  readonly stages: readonly Fairy2iStage[]
}

/** Options of {@link fairy2iQuantize}. @since 0.1.0 @category options */
export interface Fairy2iQuantizeOptions {
  /** Residual stages T, 1…8. @default 2 */
  readonly stages?: number
  /** Tensor name used in error messages. @default 'a' */
  readonly name?: string
  /** Reject NaN/±Inf weights. @default true */
  readonly checkFinite?: boolean
}

/**
 * Fairy2i quantization of a real layer A `[out, in]` (both even): widely-linear form (U, W) = {@link widelyLinear}(A),
 * then {@link residualQuantize} of U and of W with T stages, codes packed 2 bits each. 1 bit per real weight per stage,
 * plus 4 f32 scales per stage. Paper: Fairy2i, arXiv:2512.02901 (official `complex_phase_v{T}`).
 * a: Mat<Float32Array>, any strides.
 * @throws OddDimension, NotFinite, InvalidArgument (stages ∉ 1…8), each naming the tensor.
 * @example const p = fairy2iQuantize(matrix(new Float32Array(16).map((_, i) => i - 8), 4, 4), { stages: 2 })
 * @since 0.1.0  @category quantizers
 */
export function fairy2iQuantize(a: Mat<Float32Array>, opts: Fairy2iQuantizeOptions = {}): Fairy2iPacked {
  const name = opts.name ?? 'a'
  const t = opts.stages ?? 2
  assertStages('fairy2iQuantize', t, name)
  if (a.shape[0] % 2 !== 0 || a.shape[1] % 2 !== 0 || a.shape[0] === 0 || a.shape[1] === 0) throw new OddDimension('fairy2iQuantize', name, a.shape)
  const { u, w } = widelyLinear(a, { name, checkFinite: opts.checkFinite ?? true })
  const n = u.rows, m = u.cols
  const qu = residualQuantize(u.re, u.im, { stages: t, name: `${name} (U)`, checkFinite: false })
  const qw = residualQuantize(w.re, w.im, { stages: t, name: `${name} (W)`, checkFinite: false })
  const stages: Fairy2iStage[] = []
  for (let s = 0; s < t; s++) {
    const su = qu.stages[s]!, sw = qw.stages[s]!
    stages.push({
      u: { codes: packCodes(su.codes, n, m), scaleRe: su.scaleRe, scaleIm: su.scaleIm },
      w: { codes: packCodes(sw.codes, n, m), scaleRe: sw.scaleRe, scaleIm: sw.scaleIm },
    })
  }
  return { rows: a.shape[0], cols: a.shape[1], stages }
}
