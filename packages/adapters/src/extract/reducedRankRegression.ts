import { eigSym, gemm, InvalidArgument, matrix, ShapeMismatch, svd, transpose, type Mat } from '@lr/svd'

/** Options of `reducedRankRegression`.  @since 0.1.0  @category extract */
export interface ReducedRankRegressionOptions {
  /** The rank bound r of M (capped at min(in, out) and at the numerical rank of X). */
  readonly rank: number
  /** Number of rows n of X (tokens) the statistics were summed over: sets the numerical-rank threshold of X,
   *  σᵢ(X) > σ₁(X)·max(n, in)·ε_f32 (numpy `lstsq`'s default rcond, with the f32 ε of the activations). */
  readonly tokens: number
}

/** The rank-r solution of a reduced-rank regression, as a LoRA pair with scaling 1.  @since 0.1.0  @category extract */
export interface ReducedRankRegression {
  /** A `[r, in]` f32 (PEFT lora_A.weight). */
  readonly a: Mat<Float32Array>
  /** B `[out, r]` f32 (PEFT lora_B.weight); B·A = M. */
  readonly b: Mat<Float32Array>
  /** The rank kept: min(rank, in, out, inputRank). */
  readonly rank: number
  /** Numerical rank of X (directions of the input space the data spans). */
  readonly inputRank: number
  /** Singular values of G = Sₓ⁻¹Vₓᵀ·XᵀT (all of them, descending): Σᵢ<r σᵢ² is the reduction of ‖X·Mᵀ − T‖²_F. */
  readonly singularValues: Float64Array
}

/**
 * Reduced-rank regression (Izenman 1975; the layer-wise output matching of SVD-LLM / GPTQ-style calibrated
 * compression): min over rank(M) ≤ r of ‖X·Mᵀ − T‖_F, with X `[n, in]` the inputs a linear layer sees and
 * T `[n, out]` the target change of its outputs, given only the statistics gram = XᵀX `[in, in]` and
 * cross = XᵀT `[in, out]` (f64; summed over any number of rows, so n is unbounded).
 * With X = Uₓ Sₓ Vₓᵀ (from the eigendecomposition XᵀX = Vₓ Sₓ² Vₓᵀ, directions with σ ≤ σ₁·max(n, in)·ε_f32
 * dropped), ‖X·Mᵀ − T‖² = ‖Sₓ Vₓᵀ Mᵀ − G‖² + const with G = Uₓᵀ T = Sₓ⁻¹ Vₓᵀ XᵀT `[k, out]`; the optimum is
 * Sₓ Vₓᵀ Mᵀ = [G]_r (Eckart–Young), i.e. with [G]_r = U_r Σ_r V_rᵀ the minimum-norm solution
 * Mᵀ = Vₓ Sₓ⁻¹ U_r Σ_r V_rᵀ: A = (Vₓ Sₓ⁻¹ U_r √Σ_r)ᵀ `[r, in]`, B = V_r √Σ_r `[out, r]`, M = B·A.
 * M has no component along input directions X never spans (M·v = 0 for v ⟂ range(Xᵀ)).
 * @example const { a, b } = reducedRankRegression(gram, cross, { rank: 64, tokens: 16384 })  // ΔW ≈ b·a
 * @since 0.1.0  @category extract
 */
export const reducedRankRegression = (gram: Mat<Float64Array>, cross: Mat<Float64Array>, opts: ReducedRankRegressionOptions): ReducedRankRegression => {
  const inF = gram.shape[0], outF = cross.shape[1]
  if (gram.shape[1] !== inF) throw new ShapeMismatch('reducedRankRegression', 'gram is square [in, in]', gram.shape, [inF, inF])
  if (cross.shape[0] !== inF) throw new ShapeMismatch('reducedRankRegression', 'cross.rows = gram.rows (XᵀT is [in, out])', cross.shape, gram.shape)
  if (!Number.isInteger(opts.rank) || opts.rank < 1) throw new InvalidArgument('reducedRankRegression', 'rank', `must be a positive integer, got ${opts.rank}`)
  if (!Number.isFinite(opts.tokens) || opts.tokens < 1) throw new InvalidArgument('reducedRankRegression', 'tokens', `must be the number of rows of X (≥ 1), got ${opts.tokens}`)
  const { values, vectors } = eigSym(gram)
  const smax = Math.sqrt(Math.max(0, values[inF - 1] ?? 0))
  const tol = smax * Math.max(opts.tokens, inF) * 2 ** -23
  // kept directions, largest first: column j of vx = eigenvector, sx[j] = √λ
  const keep: number[] = []
  for (let j = inF - 1; j >= 0; j--) if (Math.sqrt(Math.max(0, values[j]!)) > tol) keep.push(j)
  const k = keep.length
  const vx = new Float64Array(inF * k), sx = new Float64Array(k)
  for (let c = 0; c < k; c++) {
    const j = keep[c]!
    sx[c] = Math.sqrt(values[j]!)
    for (let i = 0; i < inF; i++) vx[i * k + c] = vectors.data[vectors.offset + i * vectors.stride[0] + j * vectors.stride[1]]!
  }
  if (k === 0) return { a: matrix(new Float32Array(0), 0, inF), b: matrix(new Float32Array(0), outF, 0), rank: 0, inputRank: 0, singularValues: new Float64Array(0) }
  // G = Sx⁻¹ Vxᵀ (XᵀT)  [k, out]
  const g = gemm(transpose(matrix(vx, inF, k)), cross)
  for (let c = 0; c < k; c++) { const inv = 1 / sx[c]!; for (let j = 0; j < outF; j++) g.data[c * outF + j] = g.data[c * outF + j]! * inv }
  const { u, s, vt } = svd(g)
  const r = Math.min(opts.rank, k, outF)
  // A = (Vx Sx⁻¹ U_r √Σ_r)ᵀ [r, in], B = V_r √Σ_r [out, r]
  const sxU = new Float64Array(k * r)
  for (let c = 0; c < k; c++) for (let i = 0; i < r; i++) sxU[c * r + i] = (u.data[u.offset + c * u.stride[0] + i * u.stride[1]]! / sx[c]!) * Math.sqrt(s[i]!)
  const at = gemm(matrix(vx, inF, k), matrix(sxU, k, r)) // [in, r]
  const a = new Float32Array(r * inF), b = new Float32Array(outF * r)
  for (let i = 0; i < r; i++) for (let j = 0; j < inF; j++) a[i * inF + j] = at.data[j * r + i]!
  for (let o = 0; o < outF; o++) for (let i = 0; i < r; i++) b[o * r + i] = vt.data[vt.offset + i * vt.stride[0] + o * vt.stride[1]]! * Math.sqrt(s[i]!)
  return { a: matrix(a, r, inF), b: matrix(b, outF, r), rank: r, inputRank: k, singularValues: Float64Array.from(s) }
}
