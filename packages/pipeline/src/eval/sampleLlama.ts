import { seededRng } from '@lr/svd'
import type { LlamaModel } from './llama.js'
import type { ProgressEvent } from '../progress.js'
import { addInPlace, applyRope, ropeTables, rmsNorm, swigluInPlace } from '../internal/llamaOps.js'

/** Options of `sampleLlama`.  @since 0.1.0  @category eval */
export interface SampleLlamaOptions {
  /** Number of sequences sampled (in one batch). @default 64 */
  readonly rows?: number
  /** Tokens per sequence, the prompt included (≤ max_position_embeddings). @default min(256, max_position_embeddings) */
  readonly length?: number
  /** The first token of every sequence. @default 10 (a newline byte) */
  readonly prompt?: number
  /** Softmax temperature of the sampling. @default 1 */
  readonly temperature?: number
  /** Seed of the sampling (`seededRng`). @default 0 */
  readonly seed?: number
  /** Called after each position with `{ stage: 'sample', done, total }`. */
  readonly onProgress?: (ev: ProgressEvent) => void
}

/**
 * Samples `rows` sequences of `length` tokens from a Llama: token 0 is `prompt`, token t+1 is drawn from
 * softmax(logits_t / temperature) (inverse CDF in f64 on `seededRng(seed)`'s uniforms, rows in order at each step).
 * A KV-cached forward (the same RMSNorm, RoPE, grouped-query attention and SwiGLU as `llamaLogits`, one position of
 * all rows per step, each linear applied to a `[rows, in]` batch): O(rows·length) linear work, not O(rows·length²).
 * Used as self-generated ("data-free", LLM-QAT arXiv:2305.17888) calibration text for `calibratedLoraExtract`.
 * Returns the tokens row-major `[rows, length]` as bytes (a byte-level vocabulary ≤ 256 is required).
 * @example const calib = sampleLlama(tuned, { rows: 64, length: 256, seed: 0 })
 * @since 0.1.0  @category eval
 */
export const sampleLlama = (model: LlamaModel, opts: SampleLlamaOptions = {}): Uint8Array => {
  const cfg = model.config, H = cfg.hiddenSize, V = cfg.vocabSize, d = cfg.headDim
  const B = opts.rows ?? 64, T = opts.length ?? Math.min(256, cfg.maxPositionEmbeddings)
  const temp = opts.temperature ?? 1, prompt = opts.prompt ?? 10
  if (V > 256) throw new RangeError(`sampleLlama: vocabulary of ${V} tokens does not fit bytes; only byte-level models are supported`)
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`sampleLlama: rows must be a positive integer, got ${B}`)
  if (!Number.isInteger(T) || T < 1 || T > cfg.maxPositionEmbeddings) throw new RangeError(`sampleLlama: length ${T} must be in 1…${cfg.maxPositionEmbeddings} (max_position_embeddings)`)
  if (!(temp > 0)) throw new RangeError(`sampleLlama: temperature must be > 0, got ${temp}`)
  if (!Number.isInteger(prompt) || prompt < 0 || prompt >= V) throw new RangeError(`sampleLlama: prompt token ${prompt} is outside the vocabulary 0…${V - 1}`)
  const rng = seededRng(opts.seed ?? 0)
  const nH = cfg.numHeads, nKv = cfg.numKvHeads, group = nH / nKv, qW = nH * d, kW = nKv * d, half = d / 2
  const scale = 1 / Math.sqrt(d)
  const ids = new Uint8Array(B * T)
  for (let b = 0; b < B; b++) ids[b * T] = prompt
  const { cos, sin } = ropeTables(T, d, cfg.ropeTheta)
  const kCache = model.layers.map(() => new Float32Array(B * T * kW)), vCache = model.layers.map(() => new Float32Array(B * T * kW))
  const h = new Float32Array(B * H), xn = new Float32Array(B * H), ctx = new Float32Array(B * qW), p = new Float64Array(Math.max(T, V))
  for (let t = 0; t + 1 < T; t++) {
    for (let b = 0; b < B; b++) h.set(model.embed.subarray(ids[b * T + t]! * H, (ids[b * T + t]! + 1) * H), b * H)
    const cs = cos.subarray(t * half, (t + 1) * half), sn = sin.subarray(t * half, (t + 1) * half)
    for (let l = 0; l < model.layers.length; l++) {
      const layer = model.layers[l]!, L = layer.linears, kc = kCache[l]!, vc = vCache[l]!
      rmsNorm(h, B, H, layer.inputNorm, cfg.rmsNormEps, xn)
      const q = L['self_attn.q_proj'].apply(xn, B), k = L['self_attn.k_proj'].apply(xn, B), v = L['self_attn.v_proj'].apply(xn, B)
      for (let b = 0; b < B; b++) {
        applyRope(q.subarray(b * qW, (b + 1) * qW), 1, nH, d, cs, sn)
        applyRope(k.subarray(b * kW, (b + 1) * kW), 1, nKv, d, cs, sn)
        kc.set(k.subarray(b * kW, (b + 1) * kW), (b * T + t) * kW)
        vc.set(v.subarray(b * kW, (b + 1) * kW), (b * T + t) * kW)
      }
      // attention of position t over positions 0…t of its own row
      for (let b = 0; b < B; b++) for (let hh = 0; hh < nH; hh++) {
        const qo = b * qW + hh * d, kvo = Math.floor(hh / group) * d
        let mx = -Infinity
        for (let j = 0; j <= t; j++) {
          const ko = (b * T + j) * kW + kvo
          let s = 0
          for (let i = 0; i < d; i++) s += q[qo + i]! * kc[ko + i]!
          s = Math.fround(s) * scale
          p[j] = s
          if (s > mx) mx = s
        }
        let sum = 0
        for (let j = 0; j <= t; j++) { const e = Math.exp(p[j]! - mx); p[j] = e; sum += e }
        for (let i = 0; i < d; i++) ctx[qo + i] = 0
        for (let j = 0; j <= t; j++) {
          const w = p[j]! / sum, vo = (b * T + j) * kW + kvo
          for (let i = 0; i < d; i++) ctx[qo + i] = ctx[qo + i]! + w * vc[vo + i]!
        }
      }
      const o = L['self_attn.o_proj'].apply(ctx, B)
      addInPlace(h, o)
      rmsNorm(h, B, H, layer.postAttentionNorm, cfg.rmsNormEps, xn)
      const gate = L['mlp.gate_proj'].apply(xn, B), up = L['mlp.up_proj'].apply(xn, B)
      swigluInPlace(gate, up)
      const down = L['mlp.down_proj'].apply(gate, B)
      addInPlace(h, down)
    }
    rmsNorm(h, B, H, model.finalNorm, cfg.rmsNormEps, xn)
    const logits = model.lmHead.apply(xn, B)
    for (let b = 0; b < B; b++) {
      const o = b * V
      let mx = -Infinity
      for (let j = 0; j < V; j++) if (logits[o + j]! > mx) mx = logits[o + j]!
      let sum = 0
      for (let j = 0; j < V; j++) { const e = Math.exp((logits[o + j]! - mx) / temp); p[j] = e; sum += e }
      const u = rng.uniform() * sum
      let c = 0, tok = V - 1
      for (let j = 0; j < V; j++) { c += p[j]!; if (u < c) { tok = j; break } }
      ids[b * T + t + 1] = tok
    }
    opts.onProgress?.({ stage: 'sample', done: t + 2, total: T })
  }
  return ids
}
