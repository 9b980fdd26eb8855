import { UnsupportedModel } from '../errors.js'

/** The subset of a transformers `LlamaConfig` the evaluator implements.
 *  @since 0.1.0  @category eval */
export interface LlamaConfig {
  readonly hiddenSize: number
  readonly intermediateSize: number
  readonly numLayers: number
  readonly numHeads: number
  readonly numKvHeads: number
  readonly headDim: number
  readonly rmsNormEps: number
  readonly ropeTheta: number
  readonly vocabSize: number
  readonly maxPositionEmbeddings: number
  readonly tieWordEmbeddings: boolean
}

const SUPPORTED_TYPES = ['llama']

/** Reads a transformers `config.json` (already JSON-parsed) of a `LlamaForCausalLM`; throws `UnsupportedModel`
 *  naming the field for anything this forward does not implement (other architectures, biases, non-SiLU
 *  activations, RoPE scaling, tensor parallel slicing). Accepts both `rope_theta` and transformers 5's
 *  `rope_parameters.rope_theta`.
 *  @example const cfg = parseLlamaConfig(JSON.parse(text), 'base/config.json')
 *  @since 0.1.0  @category eval */
export const parseLlamaConfig = (json: unknown, file = 'config.json'): LlamaConfig => {
  if (typeof json !== 'object' || json === null) throw new UnsupportedModel(file, '(root)', 'not a JSON object; expected a transformers config.json')
  const c = json as Record<string, unknown>
  const fail = (field: string, detail: string): never => { throw new UnsupportedModel(file, field, detail) }
  const modelType = c['model_type']
  if (typeof modelType !== 'string' || !SUPPORTED_TYPES.includes(modelType))
    fail('model_type', `"${String(modelType)}" is not supported; lr eval implements LlamaForCausalLM (model_type "llama") only`)
  const archs = c['architectures']
  if (Array.isArray(archs) && archs.length > 0 && !archs.includes('LlamaForCausalLM'))
    fail('architectures', `${JSON.stringify(archs)}: only LlamaForCausalLM is supported`)
  const int = (field: string, fallback?: number): number => {
    const v = c[field] ?? fallback
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) return fail(field, `expected a positive integer, got ${JSON.stringify(v)}`)
    return v
  }
  const num = (field: string, v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) return fail(field, `expected a positive number, got ${JSON.stringify(v)}`)
    return v
  }
  const hiddenSize = int('hidden_size')
  const numHeads = int('num_attention_heads')
  const numKvHeads = int('num_key_value_heads', numHeads)
  const headDim = int('head_dim', hiddenSize / numHeads)
  if (numHeads % numKvHeads !== 0) fail('num_key_value_heads', `${numKvHeads} does not divide num_attention_heads ${numHeads}`)
  if (headDim % 2 !== 0) fail('head_dim', `${headDim} is odd; RoPE needs an even head dimension`)
  const act = c['hidden_act'] ?? 'silu'
  if (act !== 'silu') fail('hidden_act', `"${String(act)}" is not supported; only "silu" (SwiGLU) is`)
  if (c['attention_bias'] === true) fail('attention_bias', 'true is not supported (q/k/v/o biases)')
  if (c['mlp_bias'] === true) fail('mlp_bias', 'true is not supported (MLP biases)')
  if (typeof c['pretraining_tp'] === 'number' && c['pretraining_tp'] !== 1) fail('pretraining_tp', `${c['pretraining_tp']} is not supported; only 1`)
  const rp = (c['rope_parameters'] ?? c['rope_scaling']) as Record<string, unknown> | null | undefined
  const ropeType = rp && typeof rp === 'object' ? (rp['rope_type'] ?? rp['type'] ?? 'default') : 'default'
  if (ropeType !== 'default') fail('rope_parameters.rope_type', `"${String(ropeType)}" RoPE scaling is not supported; only "default"`)
  const ropeTheta = num('rope_theta', (rp && typeof rp === 'object' ? rp['rope_theta'] : undefined) ?? c['rope_theta'] ?? 10000)
  return {
    hiddenSize, numHeads, numKvHeads, headDim,
    intermediateSize: int('intermediate_size'),
    numLayers: int('num_hidden_layers'),
    rmsNormEps: num('rms_norm_eps', c['rms_norm_eps'] ?? 1e-6),
    ropeTheta,
    vocabSize: int('vocab_size'),
    maxPositionEmbeddings: int('max_position_embeddings', 2048),
    tieWordEmbeddings: c['tie_word_embeddings'] === true,
  }
}
