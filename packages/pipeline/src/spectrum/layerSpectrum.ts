import { matrix, svd } from '@lr/svd'

/** The singular values of one weight (or weight difference) and what they say.
 *  @since 0.1.0  @category spectrum */
export interface LayerSpectrum {
  /** Tensor name, e.g. `model.layers.0.self_attn.q_proj.weight`. */
  readonly name: string
  /** Decoder layer index, or -1 for tensors outside `layers.N`. */
  readonly layer: number
  /** Module within the layer, e.g. `q_proj` (the last module name). */
  readonly module: string
  readonly shape: readonly [number, number]
  /** Singular values, descending. */
  readonly s: Float64Array
  /** Roy & Vetterli's effective rank exp(H(p)), p_i = σ_i / Σσ (2007). */
  readonly effectiveRank: number
  /** Fraction of ‖W‖²_F in the top `rank` singular values, Σ_{i<r} σ_i² / Σ σ_i², per requested rank. */
  readonly energy: readonly { readonly rank: number; readonly fraction: number }[]
}

/** Effective rank exp(−Σ p_i ln p_i), p_i = σ_i/Σσ (Roy & Vetterli, "The effective rank", EUSIPCO 2007); 0 for σ = 0.
 *  @example effectiveRankOf(new Float64Array([1, 1, 0])) // 2
 *  @since 0.1.0  @category spectrum */
export const effectiveRankOf = (s: ArrayLike<number>): number => {
  let sum = 0
  for (let i = 0; i < s.length; i++) sum += s[i]!
  if (!(sum > 0)) return 0
  let h = 0
  for (let i = 0; i < s.length; i++) { const p = s[i]! / sum; if (p > 0) h -= p * Math.log(p) }
  return Math.exp(h)
}

/** Σ_{i<rank} σ_i² / Σ σ_i² (1 for an all-zero spectrum).
 *  @example energyAt(new Float64Array([3, 4]), 1) // 9/25
 *  @since 0.1.0  @category spectrum */
export const energyAt = (s: ArrayLike<number>, rank: number): number => {
  let top = 0, all = 0
  for (let i = 0; i < s.length; i++) { const e = s[i]! * s[i]!; all += e; if (i < rank) top += e }
  return all > 0 ? top / all : 1
}

/** Parses `…layers.<N>.<path>.<module>.weight` into (N, module); anything else gets layer −1. */
export const layerAndModule = (name: string): { layer: number; module: string } => {
  const m = /layers\.(\d+)\.(?:.*\.)?([^.]+)\.weight$/.exec(name)
  if (m) return { layer: Number(m[1]), module: m[2]! }
  const parts = name.replace(/\.weight$/, '').split('.')
  return { layer: -1, module: parts[parts.length - 1] ?? name }
}

/** The spectrum of a 2-D weight `w` row-major `[rows, cols]` (f32, computed in f64 by @lr/svd's `svd`).
 *  @example const sp = layerSpectrum('model.layers.0.mlp.up_proj.weight', w, [768, 256], { ranks: [16, 64] })
 *  @since 0.1.0  @category spectrum */
export const layerSpectrum = (name: string, w: Float32Array | Float64Array, shape: readonly [number, number], opts: { readonly ranks?: readonly number[] } = {}): LayerSpectrum => {
  const { s } = svd(matrix(Float64Array.from(w), shape[0], shape[1]), { mode: 'values' })
  const { layer, module } = layerAndModule(name)
  return {
    name, layer, module, shape, s,
    effectiveRank: effectiveRankOf(s),
    energy: (opts.ranks ?? []).map((rank) => ({ rank, fraction: energyAt(s, rank) })),
  }
}
