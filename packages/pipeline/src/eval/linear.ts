import type { Quantized } from '@lr/quant'
import { fairy2iApply, fairy2iPrepare, type Fairy2iPacked } from '@lr/quant-complex'
import { matmulNT } from '../internal/matmulNT.js'

/** A linear layer y = x·Wᵀ known only by how it applies to activations, so that LoRA, factored and
 *  packed layers are evaluated without building W. `x` is row-major `[tokens, inFeatures]` (f32);
 *  the result is a fresh row-major `[tokens, outFeatures]` f32 array.
 *  @since 0.1.0  @category eval */
export interface Linear {
  /** What kind of layer this is ('dense', 'lora', 'factored', 'fairy2i', …), for reports. */
  readonly kind: string
  readonly inFeatures: number
  readonly outFeatures: number
  /** Parameters actually stored (for reports: a factored layer stores r·(in+out)). */
  readonly storedParams: number
  apply(x: Float32Array, tokens: number): Float32Array
  /** The same product computed elsewhere (the GPU, see `withGpuLinears`); `llamaLogitsAsync` awaits it. */
  readonly applyAsync?: (x: Float32Array, tokens: number) => Promise<Float32Array>
  /** The dense weight `[out, in]` row-major, for layers that have one (`denseLinear`): what a GPU copy uploads. */
  readonly weight?: Float32Array
  /** The packed Fairy2i layer (`fairy2iLinear`): what a GPU copy uploads. */
  readonly packed?: Fairy2iPacked
  /** The packed int-k / NF4 weight (`quantizedLinear`): what a GPU copy uploads (codes stay packed). */
  readonly quantized?: Quantized
}

/** y = x·Wᵀ for a dense weight `w` row-major `[out, in]` (PyTorch `nn.Linear.weight` layout).
 *  @example const lin = denseLinear(w, 768, 256); const y = lin.apply(x, 256)
 *  @since 0.1.0  @category eval */
export const denseLinear = (w: Float32Array, outFeatures: number, inFeatures: number): Linear => {
  if (w.length !== outFeatures * inFeatures) throw new RangeError(`denseLinear: weight has ${w.length} values, expected ${outFeatures}×${inFeatures}`)
  return {
    kind: 'dense', inFeatures, outFeatures, storedParams: w.length, weight: w,
    apply: (x, tokens) => {
      const y = new Float32Array(tokens * outFeatures)
      matmulNT(tokens, outFeatures, inFeatures, x, 0, w, 0, y, 0, false)
      return y
    },
  }
}

/** LoRA applied unmerged, as PEFT's forward does: y = base(x) + scaling·(x·Aᵀ)·Bᵀ, with `a` row-major
 *  `[r, in]` (lora_A.weight) and `b` row-major `[out, r]` (lora_B.weight); never forms B·A.
 *  @example const lin = loraLinear(base, a, b, { rank: 16, scaling: 2 })
 *  @since 0.1.0  @category eval */
export const loraLinear = (base: Linear, a: Float32Array, b: Float32Array, opts: { readonly rank: number; readonly scaling: number }): Linear => {
  const r = opts.rank, inF = base.inFeatures, outF = base.outFeatures
  if (a.length !== r * inF) throw new RangeError(`loraLinear: lora_A has ${a.length} values, expected ${r}×${inF}`)
  if (b.length !== outF * r) throw new RangeError(`loraLinear: lora_B has ${b.length} values, expected ${outF}×${r}`)
  return {
    kind: 'lora', inFeatures: inF, outFeatures: outF, storedParams: base.storedParams + a.length + b.length,
    apply: (x, tokens) => {
      const y = base.apply(x, tokens)
      const t = new Float32Array(tokens * r)
      matmulNT(tokens, r, inF, x, 0, a, 0, t, 0, false)
      for (let i = 0; i < t.length; i++) t[i] = t[i]! * opts.scaling
      matmulNT(tokens, outF, r, t, 0, b, 0, y, 0, true)
      return y
    },
  }
}

/** A factored weight W ≈ U·V applied as y = (x·Vᵀ)·Uᵀ, with `u` row-major `[out, r]` and `v` row-major
 *  `[r, in]` (the `factored-v1` checkpoint format's `weight_u` / `weight_v`).
 *  @example const lin = factoredLinear(u, v, { out: 256, in: 768, rank: 32 })
 *  @since 0.1.0  @category eval */
export const factoredLinear = (u: Float32Array, v: Float32Array, dims: { readonly out: number; readonly in: number; readonly rank: number }): Linear => {
  const { out: outF, in: inF, rank: r } = dims
  if (u.length !== outF * r) throw new RangeError(`factoredLinear: weight_u has ${u.length} values, expected ${outF}×${r}`)
  if (v.length !== r * inF) throw new RangeError(`factoredLinear: weight_v has ${v.length} values, expected ${r}×${inF}`)
  return {
    kind: 'factored', inFeatures: inF, outFeatures: outF, storedParams: u.length + v.length,
    apply: (x, tokens) => {
      const t = new Float32Array(tokens * r)
      matmulNT(tokens, r, inF, x, 0, v, 0, t, 0, false)
      const y = new Float32Array(tokens * outF)
      matmulNT(tokens, outF, r, t, 0, u, 0, y, 0, false)
      return y
    },
  }
}

/** A Fairy2i-packed layer (`fairy2i-packed-v1`, @lr/quant-complex) applied multiplication-free with
 *  `fairy2iApply` on its prepared (WebAssembly SIMD when available) kernel; never densified.
 *  Stores 2·T bits per complex weight pair plus 4 scales per stage.
 *  @example const lin = fairy2iLinear(fairy2iQuantize(w, { stages: 2 }), 'q_proj.weight')
 *  @since 0.1.0  @category eval */
export const fairy2iLinear = (p: Fairy2iPacked, name = 'layer'): Linear => {
  // The WebAssembly kernel needs whole u32 words of codes per row (in a multiple of 32); quant-complex's 'auto'
  // also picks it for some other widths, where it gave wrong sums (in = 30), so choose explicitly.
  const prepared = fairy2iPrepare(p, { name, kernel: p.cols % 32 === 0 ? 'auto' : 'js' })
  const inF = p.cols, outF = p.rows
  return {
    kind: 'fairy2i', inFeatures: inF, outFeatures: outF, packed: p,
    storedParams: p.stages.length * 2 * (outF / 2) * Math.ceil(inF / 8) + 4 * p.stages.length,
    apply: (x, tokens) => fairy2iApply(prepared, { data: x, shape: [tokens, inF], stride: [inF, 1], offset: 0 }, { checkFinite: false, name }).data,
  }
}
