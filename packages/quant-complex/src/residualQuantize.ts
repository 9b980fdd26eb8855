import { phaseQuantize, type PhaseQuantized } from './phaseQuantize.js'
import { phaseQuantizeKernel } from './internal/phaseQuantizeKernel.js'
import { assertStages, MAX_STAGES } from './internal/assertStages.js'

/** The largest number of residual stages accepted. @since 0.1.0 @category constants */
export { MAX_STAGES }

/** Options of {@link residualQuantize}. @since 0.1.0 @category options */
export interface ResidualQuantizeOptions {
  /** Number of residual stages T, an integer in 1…8 (1 bit per real weight per stage). @default 2 (the released Fairy2i-W2) */
  readonly stages?: number
  /** Tensor name used in error messages. @default 'w' */
  readonly name?: string
  /** Reject NaN/±Inf entries. @default true */
  readonly checkFinite?: boolean
}

/** T stages of codes and scales, and their dequantized sum W_q = Σ q_t (f32). @since 0.1.0 @category model */
export interface ResidualQuantized {
  readonly stages: readonly PhaseQuantized[]
  /** Re W_q, f32 (stage values summed in f32, in stage order, as the official code does). */
  readonly re: Float32Array
  /** Im W_q, f32. */
  readonly im: Float32Array
}




/**
 * Residual PhaseQuant (Fairy2i, arXiv:2512.02901; `PhaseQuantSTE_V2…V4` in the official code): r₀ = w, q_t = phaseQuantize(r_t),
 * r_{t+1} = r_t − q_t (f32), W_q = Σ_t q_t; each stage has its own scales. 1 bit per real weight per stage.
 * re, im: Float32Array of the same length; returns the T stages and W_q.
 * @throws InvalidArgument when stages ∉ 1…8; ShapeMismatch / NotFinite as {@link phaseQuantize}.
 * @example const q = residualQuantize(new Float32Array([0.3, -1]), new Float32Array([0.2, 0.1]), { stages: 2 })
 * @since 0.1.0  @category quantizers
 */
export function residualQuantize(re: Float32Array, im: Float32Array, opts: ResidualQuantizeOptions = {}): ResidualQuantized {
  const name = opts.name ?? 'w'
  const t = opts.stages ?? 2
  assertStages('residualQuantize', t, name)
  const first = phaseQuantize(re, im, { name, checkFinite: opts.checkFinite ?? true })
  const len = re.length
  const rr = Float32Array.from(re), ri = Float32Array.from(im)
  const qre = new Float32Array(len), qim = new Float32Array(len)
  const stages: PhaseQuantized[] = []
  let q: PhaseQuantized = first
  for (let s = 0; s < t; s++) {
    if (s > 0) {
      const codes = new Uint8Array(len)
      q = { codes, ...phaseQuantizeKernel(rr, ri, codes) }
    }
    stages.push(q)
    const c = q.codes, sr = q.scaleRe, si = q.scaleIm
    for (let k = 0; k < len; k++) {
      const code = c[k]!
      const vr = code === 0 ? sr : code === 2 ? -sr : 0
      const vi = code === 1 ? si : code === 3 ? -si : 0
      rr[k] = rr[k]! - vr
      ri[k] = ri[k]! - vi
      qre[k] = qre[k]! + vr
      qim[k] = qim[k]! + vi
    }
  }
  return { stages, re: qre, im: qim }
}
