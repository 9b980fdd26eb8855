import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { fairy2iLayerNames, fromFairy2iTensors } from '@lr/quant-complex'
import type { LlamaConfig } from './config.js'
import { denseLinear, factoredLinear, fairy2iLinear, type Linear } from './linear.js'
import { ModelTensorError } from '../errors.js'
import { packedQuantLinear, parsePackedQuantParams } from './quantizedLinear.js'
import { matmulNT } from '../internal/matmulNT.js'
import { addInPlace, applyRope, ropeTables, rmsNorm, swigluInPlace } from '../internal/llamaOps.js'

/** The seven projections of one decoder layer, by their transformers module names.
 *  @since 0.1.0  @category eval */
export const LLAMA_PROJECTIONS = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'] as const
/** One of `LLAMA_PROJECTIONS`.  @since 0.1.0  @category eval */
export type LlamaProjection = typeof LLAMA_PROJECTIONS[number]

/** A Llama decoder layer: two RMSNorm weights and seven linears.  @since 0.1.0  @category eval */
export interface LlamaLayer {
  readonly inputNorm: Float32Array
  readonly postAttentionNorm: Float32Array
  readonly linears: Readonly<Record<LlamaProjection, Linear>>
}

/** A `LlamaForCausalLM` ready to evaluate: f32 embeddings and norms, any `Linear` per projection.
 *  @since 0.1.0  @category eval */
export interface LlamaModel {
  readonly config: LlamaConfig
  /** `model.embed_tokens.weight`, row-major `[vocab, hidden]`. */
  readonly embed: Float32Array
  readonly layers: readonly LlamaLayer[]
  readonly finalNorm: Float32Array
  readonly lmHead: Linear
}

/** A tensor lookup by name (a Map's `get` over `NamedTensor`s of any dtype, as @lr/io-safetensors reads them). */
export type TensorLookup = (name: string) => NamedTensor | undefined

/** `model.layers.{i}.{projection}`: the module name of a projection (PEFT's target name without the prefix). */
export const llamaModuleName = (layer: number, projection: LlamaProjection): string => `model.layers.${layer}.${projection}`

/** Options of `buildLlama`.  @since 0.1.0  @category eval */
export interface BuildLlamaOptions {
  /** The checkpoint's `__metadata__` (its `lr_quant` JSON gives the parameters of packed int-k / NF4 layers). */
  readonly metadata?: Readonly<Record<string, string>>
}

/** Builds a `LlamaModel` from a tensor lookup (names as transformers saves them; any float dtype, decoded
 *  to f32). A projection stored as a dense `<m>.weight` becomes a `denseLinear`; one stored as `<m>.weight_u` +
 *  `<m>.weight_v` (the `factored-v1` format) a `factoredLinear`; one stored as Fairy2i packed codes
 *  (`<m>.weight_fairy2i_codes`, `fairy2i-packed-v1`) a `fairy2iLinear` (multiplication-free, never densified); one stored as `<m>.weight_packed`
 *  (`quant-int-v1`, `quant-nf4-v1`, `svdquant-v1`, ± EoRA) a `packedQuantLinear` (@lr/quant's quantized matmul). `lm_head.weight` falls back to the embedding when
 *  `tieWordEmbeddings` is set. Throws `ModelTensorError` naming a missing or misshapen tensor.
 *  @example const model = buildLlama(cfg, (name) => tensors.get(name), 'model.safetensors')
 *  @since 0.1.0  @category eval */
export const buildLlama = (config: LlamaConfig, get: TensorLookup, file = 'checkpoint', opts: BuildLlamaOptions = {}): LlamaModel => {
  const { hiddenSize: H, intermediateSize: I, numHeads, numKvHeads, headDim, vocabSize: V } = config
  const need = (name: string, shape: readonly number[]): Float32Array => {
    const t = get(name)
    if (!t) throw new ModelTensorError(file, name, `missing; the checkpoint does not hold a ${shape.join('×')} tensor of this name (is it a LlamaForCausalLM?)`)
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))
      throw new ModelTensorError(file, name, `shape [${t.shape.join(', ')}] does not match config.json, expected [${shape.join(', ')}]`)
    return t.dtype === 'F32' ? t.data as Float32Array : toFloat32(t)
  }
  const quantParams = parsePackedQuantParams(opts.metadata, file)
  const linear = (name: string, out: number, inF: number): Linear => {
    const w = get(`${name}.weight`)
    if (w) return denseLinear(need(`${name}.weight`, [out, inF]), out, inF)
    const packed = packedQuantLinear(name, out, inF, get, quantParams, file)
    if (packed) return packed
    if (fairy2iLayerNames([`${name}.weight_fairy2i_codes`]).length === 1 && get(`${name}.weight_fairy2i_codes`)) {
      const p = fromFairy2iTensors(`${name}.weight`, get)
      if (p.rows !== out || p.cols !== inF) throw new ModelTensorError(file, `${name}.weight_fairy2i_shape`, `packed shape [${p.rows}, ${p.cols}] does not match config.json, expected [${out}, ${inF}]`)
      return fairy2iLinear(p, `${name}.weight`)
    }
    const u = get(`${name}.weight_u`)
    if (u && u.shape.length === 2) {
      const r = u.shape[1]!
      return factoredLinear(need(`${name}.weight_u`, [out, r]), need(`${name}.weight_v`, [r, inF]), { out, in: inF, rank: r })
    }
    return denseLinear(need(`${name}.weight`, [out, inF]), out, inF)
  }
  const dims: Record<LlamaProjection, [number, number]> = {
    'self_attn.q_proj': [numHeads * headDim, H], 'self_attn.k_proj': [numKvHeads * headDim, H],
    'self_attn.v_proj': [numKvHeads * headDim, H], 'self_attn.o_proj': [H, numHeads * headDim],
    'mlp.gate_proj': [I, H], 'mlp.up_proj': [I, H], 'mlp.down_proj': [H, I],
  }
  const layers: LlamaLayer[] = []
  for (let l = 0; l < config.numLayers; l++) {
    const linears = {} as Record<LlamaProjection, Linear>
    for (const p of LLAMA_PROJECTIONS) linears[p] = linear(llamaModuleName(l, p), dims[p][0], dims[p][1])
    layers.push({
      inputNorm: need(`model.layers.${l}.input_layernorm.weight`, [H]),
      postAttentionNorm: need(`model.layers.${l}.post_attention_layernorm.weight`, [H]),
      linears,
    })
  }
  const embed = need('model.embed_tokens.weight', [V, H])
  const lmHead = get('lm_head.weight') || get('lm_head.weight_u') || !config.tieWordEmbeddings ? linear('lm_head', V, H) : denseLinear(embed, V, H)
  return { config, embed, layers, finalNorm: need('model.norm.weight', [H]), lmHead }
}

/** A copy of `model` with every projection replaced by `f(moduleName, linear)` (e.g. to wrap LoRA around it).
 *  @example const withLora = mapLinears(model, (name, lin) => adapters.has(name) ? wrap(lin) : lin)
 *  @since 0.1.0  @category eval */
export const mapLinears = (model: LlamaModel, f: (moduleName: string, linear: Linear) => Linear): LlamaModel => ({
  ...model,
  layers: model.layers.map((layer, l) => {
    const linears = {} as Record<LlamaProjection, Linear>
    for (const p of LLAMA_PROJECTIONS) linears[p] = f(llamaModuleName(l, p), layer.linears[p])
    return { ...layer, linears }
  }),
  lmHead: f('lm_head', model.lmHead),
})

/** Causal grouped-query attention for one sequence; returns [tokens, nHeads·headDim]. */
const attention = (q: Float32Array, k: Float32Array, v: Float32Array, tokens: number, cfg: LlamaConfig): Float32Array => {
  const { numHeads, numKvHeads, headDim: d } = cfg
  const group = numHeads / numKvHeads, qW = numHeads * d, kW = numKvHeads * d
  const scale = 1 / Math.sqrt(d)
  const out = new Float32Array(tokens * qW)
  const qh = new Float32Array(tokens * d), kh = new Float32Array(tokens * d), vt = new Float32Array(d * tokens)
  const scores = new Float32Array(tokens * tokens), ctx = new Float32Array(tokens * d)
  for (let kvh = 0; kvh < numKvHeads; kvh++) {
    for (let t = 0; t < tokens; t++) for (let i = 0; i < d; i++) {
      kh[t * d + i] = k[t * kW + kvh * d + i]!
      vt[i * tokens + t] = v[t * kW + kvh * d + i]!
    }
    for (let g = 0; g < group; g++) {
      const h = kvh * group + g
      for (let t = 0; t < tokens; t++) for (let i = 0; i < d; i++) qh[t * d + i] = q[t * qW + h * d + i]!
      matmulNT(tokens, tokens, d, qh, 0, kh, 0, scores, 0, false)
      for (let t = 0; t < tokens; t++) {
        const o = t * tokens
        let mx = -Infinity
        for (let j = 0; j <= t; j++) { const s = scores[o + j]! * scale; scores[o + j] = s; if (s > mx) mx = s }
        let sum = 0
        for (let j = 0; j <= t; j++) { const e = Math.exp(scores[o + j]! - mx); scores[o + j] = e; sum += e }
        const inv = 1 / sum
        for (let j = 0; j <= t; j++) scores[o + j] = scores[o + j]! * inv
        for (let j = t + 1; j < tokens; j++) scores[o + j] = 0
      }
      matmulNT(tokens, d, tokens, scores, 0, vt, 0, ctx, 0, false)
      for (let t = 0; t < tokens; t++) for (let i = 0; i < d; i++) out[t * qW + h * d + i] = ctx[t * d + i]!
    }
  }
  return out
}

/** One linear product the forward needs: y = x·Wᵀ of `linear` for `tokens` rows of x (x row-major
 *  `[tokens, linear.inFeatures]`, f32; the forward may reuse x's buffer after the product is sent back).
 *  @since 0.1.0  @category eval */
export interface LinearCall { readonly linear: Linear; readonly x: Float32Array; readonly tokens: number }

/** The forward as a generator that yields each linear product (in the order q, k, v, o, gate, up, down of each
 *  layer, then lm_head) and receives its result `[tokens, outFeatures]`; it returns the logits `[tokens, vocab]`.
 *  One body serves the synchronous CPU forward (`llamaLogits`), the awaited one (`llamaLogitsAsync`, GPU layers)
 *  and calibrated extraction (`calibratedLoraExtract`, which answers each product itself).
 *  @example const gen = llamaForwardSteps(model, ids); let s = gen.next(); while (!s.done) s = gen.next(s.value.linear.apply(s.value.x, s.value.tokens))
 *  @since 0.1.0  @category eval */
export function* llamaForwardSteps(model: LlamaModel, ids: ArrayLike<number>): Generator<LinearCall, Float32Array, Float32Array> {
  const cfg = model.config, T = ids.length, H = cfg.hiddenSize
  const h = new Float32Array(T * H)
  for (let t = 0; t < T; t++) h.set(model.embed.subarray(ids[t]! * H, (ids[t]! + 1) * H), t * H)
  const xn = new Float32Array(T * H)
  const { cos, sin } = ropeTables(T, cfg.headDim, cfg.ropeTheta)
  for (const layer of model.layers) {
    const L = layer.linears
    rmsNorm(h, T, H, layer.inputNorm, cfg.rmsNormEps, xn)
    const q = yield { linear: L['self_attn.q_proj'], x: xn, tokens: T }
    const k = yield { linear: L['self_attn.k_proj'], x: xn, tokens: T }
    const v = yield { linear: L['self_attn.v_proj'], x: xn, tokens: T }
    applyRope(q, T, cfg.numHeads, cfg.headDim, cos, sin)
    applyRope(k, T, cfg.numKvHeads, cfg.headDim, cos, sin)
    const o = yield { linear: L['self_attn.o_proj'], x: attention(q, k, v, T, cfg), tokens: T }
    addInPlace(h, o)
    rmsNorm(h, T, H, layer.postAttentionNorm, cfg.rmsNormEps, xn)
    const gate = yield { linear: L['mlp.gate_proj'], x: xn, tokens: T }
    const up = yield { linear: L['mlp.up_proj'], x: xn, tokens: T }
    swigluInPlace(gate, up)
    const down = yield { linear: L['mlp.down_proj'], x: gate, tokens: T }
    addInPlace(h, down)
  }
  rmsNorm(h, T, H, model.finalNorm, cfg.rmsNormEps, xn)
  return yield { linear: model.lmHead, x: xn, tokens: T }
}

/** Next-token logits [tokens, vocab] of one sequence of token ids (row-major f32).
 *  @example const logits = llamaLogits(model, new Uint8Array([104, 105]))
 *  @since 0.1.0  @category eval */
export const llamaLogits = (model: LlamaModel, ids: ArrayLike<number>): Float32Array => {
  const gen = llamaForwardSteps(model, ids)
  let step = gen.next()
  while (!step.done) step = gen.next(step.value.linear.apply(step.value.x, step.value.tokens))
  return step.value
}

/** `llamaLogits` awaiting the layers that have an `applyAsync` (GPU layers, see `withGpuLinears`); the others, the
 *  attention and the norms run on the CPU exactly as in `llamaLogits`.
 *  @example const logits = await llamaLogitsAsync(model, new Uint8Array([104, 105]))
 *  @since 0.1.0  @category eval */
export const llamaLogitsAsync = async (model: LlamaModel, ids: ArrayLike<number>): Promise<Float32Array> => {
  const gen = llamaForwardSteps(model, ids)
  let step = gen.next()
  while (!step.done) {
    const { linear, x, tokens } = step.value
    step = gen.next(linear.applyAsync ? await linear.applyAsync(x, tokens) : linear.apply(x, tokens))
  }
  return step.value
}
