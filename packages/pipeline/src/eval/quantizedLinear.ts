import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { quantizedMatmul, type IntKQuantized, type Nf4Quantized, type Quantized } from '@lr/quant'
import { ModelTensorError } from '../errors.js'
import { loraLinear, type Linear } from './linear.js'
import { matmulNT } from '../internal/matmulNT.js'

/** A linear layer stored in int-k or NF4 (`quant-int-v1`, `quant-nf4-v1`, @lr/quant) applied with @lr/quant's
 *  `quantizedMatmul` (kernel `gemm`: a block of 64 weight rows decoded at a time, multiplied by @lr/svd's gemm);
 *  the dense weight is never built. `storedParams` counts one code per weight.
 *  @example const lin = quantizedLinear(quantizeIntK(w, { bits: 4, groupSize: 128 }))
 *  @since 0.1.0  @category eval */
export const quantizedLinear = (q: Quantized): Linear => {
  const [outF, inF] = q.shape
  return {
    kind: q.format === 'nf4' ? 'nf4' : `int${q.bits}`, inFeatures: inF, outFeatures: outF, storedParams: outF * inF, quantized: q,
    apply: (x, tokens) => quantizedMatmul({ data: x, shape: [tokens, inF], stride: [inF, 1], offset: 0 }, q, { kernel: 'gemm', checkFinite: false }).data,
  }
}

/** SVDQuant's layer (`svdquant-v1`): y = (x·downᵀ)·upᵀ + (x·diag(1/smooth))·deq(R)ᵀ, with `up` [out, r], `down` [r, in]
 *  (diag(1/smooth) folded in) and R the int-k residual; never densified.
 *  @example const lin = svdQuantLinear({ smooth, lowRankUp: up.data, lowRankDown: down.data, rank: 32, residual })
 *  @since 0.1.0  @category eval */
export const svdQuantLinear = (p: { readonly smooth: Float32Array; readonly lowRankUp: Float32Array; readonly lowRankDown: Float32Array; readonly rank: number; readonly residual: IntKQuantized }): Linear => {
  const [outF, inF] = p.residual.shape, r = p.rank
  const inv = Float32Array.from(p.smooth, (v) => 1 / v)
  return {
    kind: 'svdquant', inFeatures: inF, outFeatures: outF, storedParams: outF * inF + r * (outF + inF),
    apply: (x, tokens) => {
      const xs = new Float32Array(x.length)
      for (let t = 0; t < tokens; t++) for (let j = 0; j < inF; j++) xs[t * inF + j] = x[t * inF + j]! * inv[j]!
      const y = quantizedMatmul({ data: xs, shape: [tokens, inF], stride: [inF, 1], offset: 0 }, p.residual, { kernel: 'gemm', checkFinite: false }).data
      const h = new Float32Array(tokens * r)
      matmulNT(tokens, r, inF, x, 0, p.lowRankDown, 0, h, 0, false)
      matmulNT(tokens, outF, r, h, 0, p.lowRankUp, 0, y, 0, true)
      return y
    },
  }
}

/** Parameters of the packed formats, as `lr quantize` writes them in `__metadata__.lr_quant` (JSON). */
export interface PackedQuantParams { readonly bits?: number; readonly groupSize?: number; readonly blockSize?: number; readonly isSymmetric?: boolean; readonly bitOrder?: string }

/** `__metadata__.lr_quant` of a packed checkpoint, parsed (undefined when absent). */
export const parsePackedQuantParams = (metadata: Readonly<Record<string, string>> | undefined, file: string): PackedQuantParams | undefined => {
  const raw = metadata?.['lr_quant']
  if (raw === undefined) return undefined
  try { return JSON.parse(raw) as PackedQuantParams } catch (e) {
    throw new ModelTensorError(file, '__metadata__', `lr_quant is not valid JSON (${(e as Error).message}); re-run lr quantize`)
  }
}

/** The layer `<m>` of a packed checkpoint (`quant-int-v1`, `quant-nf4-v1`, `svdquant-v1`, each optionally with an EoRA
 *  branch `<m>.weight_eora_b` [out, r] / `<m>.weight_eora_a` [r, in]), or undefined when `<m>.weight_packed` is absent.
 *  Shapes are checked against [out, in]; a mismatch is a ModelTensorError naming the tensor.
 *  @example const lin = packedQuantLinear('model.layers.0.mlp.down_proj', 256, 768, (n) => tensors.get(n), params, 'model.safetensors')
 *  @since 0.1.0  @category eval */
export const packedQuantLinear = (module: string, outF: number, inF: number, get: (name: string) => NamedTensor | undefined, params: PackedQuantParams | undefined, file: string): Linear | undefined => {
  const packed = get(`${module}.weight_packed`)
  if (!packed) return undefined
  const bad = (name: string, detail: string): never => { throw new ModelTensorError(file, name, detail) }
  const u8 = (name: string, shape: readonly number[]): Uint8Array => {
    const t = get(name) ?? bad(name, `missing: a packed layer needs it next to ${module}.weight_packed (see docs/quantization.md)`)
    if (t.dtype !== 'U8' || t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) bad(name, `expected U8 [${shape.join(', ')}], got ${t.dtype} [${t.shape.join(', ')}]`)
    return t.data as Uint8Array
  }
  const f32 = (name: string, shape: readonly number[]): Float32Array => {
    const t = get(name) ?? bad(name, `missing: a packed layer needs it next to ${module}.weight_packed (see docs/quantization.md)`)
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) bad(name, `expected shape [${shape.join(', ')}], got [${t.shape.join(', ')}]`)
    return t.dtype === 'F32' ? t.data as Float32Array : toFloat32(t)
  }
  const absmax = get(`${module}.weight_absmax`)
  let base: Linear
  if (absmax) {
    const n = outF * inF, blockSize = params?.blockSize ?? n / absmax.shape[0]!
    if (!Number.isInteger(blockSize) || blockSize < 1 || Math.ceil(n / blockSize) !== absmax.shape[0]) bad(`${module}.weight_absmax`, `${absmax.shape[0]} blocks do not fit ${n} weights (block size ${blockSize}); the checkpoint's lr_quant metadata is missing or wrong`)
    const q: Nf4Quantized = { format: 'nf4', blockSize, shape: [outF, inF], codes: u8(`${module}.weight_packed`, [outF, inF / 2]), absmax: f32(`${module}.weight_absmax`, [absmax.shape[0]!]) }
    base = quantizedLinear(q)
  } else {
    const bits = params?.bits ?? (packed.shape[1]! * 8) / inF
    const scales = get(`${module}.weight_scales`) ?? bad(`${module}.weight_scales`, 'missing: an int-k packed layer (quant-int-v1) needs its scales')
    const groups = scales.shape[1]!, groupSize = params?.groupSize ?? inF / groups
    if (!Number.isInteger(bits) || bits < 2 || bits > 8) bad(`${module}.weight_packed`, `${packed.shape[1]} bytes per row of ${inF} weights is not 2…8 bits per code`)
    if (!Number.isInteger(groupSize) || groupSize < 1 || Math.ceil(inF / groupSize) !== groups) bad(`${module}.weight_scales`, `${groups} groups per row do not fit ${inF} columns (group size ${groupSize}); ${params?.groupSize === undefined ? 'without __metadata__.lr_quant the group size is known only when it divides the row' : 'the checkpoint\'s lr_quant metadata is wrong'}`)
    if (params?.bitOrder !== undefined && params.bitOrder !== 'lsb-first') bad(`${module}.weight_packed`, `bit order "${params.bitOrder}" is not lsb-first (quant-int-v1)`)
    const q: IntKQuantized = {
      format: 'int', bits, groupSize, isSymmetric: params?.isSymmetric ?? true, shape: [outF, inF],
      codes: u8(`${module}.weight_packed`, [outF, (inF * bits) / 8]), scales: f32(`${module}.weight_scales`, [outF, groups]), zeros: u8(`${module}.weight_zeros`, [outF, groups]),
    }
    const smooth = get(`${module}.weight_smooth`)
    if (smooth) {
      const up = get(`${module}.weight_lr_up`) ?? bad(`${module}.weight_lr_up`, 'missing: an svdquant-v1 layer needs its low-rank branch')
      const r = up.shape[1]!
      base = svdQuantLinear({ smooth: f32(`${module}.weight_smooth`, [inF]), lowRankUp: f32(`${module}.weight_lr_up`, [outF, r]), lowRankDown: f32(`${module}.weight_lr_down`, [r, inF]), rank: r, residual: q })
    } else base = quantizedLinear(q)
  }
  const eb = get(`${module}.weight_eora_b`)
  if (!eb) return base
  const r = eb.shape[1]!
  return { ...loraLinear(base, f32(`${module}.weight_eora_a`, [r, inF]), f32(`${module}.weight_eora_b`, [outF, r]), { rank: r, scaling: 1 }), kind: `${base.kind}+eora` }
}
