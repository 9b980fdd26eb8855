/** Prefixes kohya sd-scripts puts before a module name (`lora_unet_…`, `lora_te_…`, `lora_te1_…`). */
const KOHYA_PREFIXES = ['lora_unet_', 'lora_te1_', 'lora_te2_', 'lora_te3_', 'lora_te_', 'lora_transformer_'] as const

/**
 * The kohya LoRA name of a module: `prefix` + the module path with `.` replaced by `_`, as sd-scripts'
 * `networks/lora.py` names it (`lora_te_model_layers_0_self_attn_q_proj`). Tensors are
 * `<name>.lora_down.weight` [r, in], `<name>.lora_up.weight` [out, r] and `<name>.alpha` (scalar).
 * @example kohyaName('model.layers.0.self_attn.q_proj') // 'lora_te_model_layers_0_self_attn_q_proj'
 * @since 0.1.0  @category kohya
 */
export const kohyaName = (module: string, prefix = 'lora_te_'): string => `${prefix}${module.replace(/\./g, '_')}`

/** Path components of Hugging Face models that contain `_` themselves (so `_` cannot be read back as `.`). */
const COMPOUND = new Set([
  'self_attn', 'q_proj', 'k_proj', 'v_proj', 'o_proj', 'qkv_proj', 'gate_proj', 'up_proj', 'down_proj', 'gate_up_proj',
  'embed_tokens', 'lm_head', 'input_layernorm', 'post_attention_layernorm', 'pre_feedforward_layernorm',
  'post_feedforward_layernorm', 'block_sparse_moe', 'shared_expert', 'out_proj', 'in_proj', 'c_attn', 'c_proj', 'c_fc',
  'dense_h_to_4h', 'dense_4h_to_h', 'query_key_value', 'word_embeddings', 'text_model', 'vision_model', 'to_q', 'to_k',
  'to_v', 'to_out', 'proj_in', 'proj_out', 'ff_net', 'attn1', 'attn2', 'text_model_encoder', 'fc1', 'fc2', 'wte', 'wpe',
  'kv_a_proj_with_mqa', 'kv_b_proj', 'q_a_proj', 'q_b_proj', 'shared_experts',
])

/** Splits a kohya name into (prefix, rest). */
const stripPrefix = (name: string): { prefix: string; rest: string } => {
  for (const p of KOHYA_PREFIXES) if (name.startsWith(p)) return { prefix: p, rest: name.slice(p.length) }
  return { prefix: '', rest: name }
}

/**
 * The module path for a kohya LoRA name. With `modules` (the base model's linear-module names) the
 * mapping is exact; without, the path is rebuilt from known compound components (`self_attn`,
 * `q_proj`, …); `undefined` when it cannot be resolved (then pass the model's module names).
 * @example resolveKohyaName('lora_te_model_layers_0_mlp_down_proj') // 'model.layers.0.mlp.down_proj'
 * @since 0.1.0  @category kohya
 */
export const resolveKohyaName = (name: string, modules?: Iterable<string>): string | undefined => {
  const { rest } = stripPrefix(name)
  if (modules !== undefined) {
    for (const m of modules) if (m.replace(/\./g, '_') === rest) return m
    return undefined
  }
  const tokens = rest.split('_')
  const parts: string[] = []
  for (let i = 0; i < tokens.length;) {
    let taken = 1
    for (let len = Math.min(6, tokens.length - i); len >= 2; len--) {
      if (COMPOUND.has(tokens.slice(i, i + len).join('_'))) { taken = len; break }
    }
    parts.push(tokens.slice(i, i + taken).join('_'))
    i += taken
  }
  if (parts.some((p) => p.length === 0)) return undefined
  return parts.join('.')
}

/** The kohya prefix of a name (`lora_te_`, `lora_unet_`, …), or '' when it has none of the known ones.
 *  @example kohyaPrefix('lora_unet_down_blocks_0') // 'lora_unet_'
 *  @since 0.1.0  @category kohya */
export const kohyaPrefix = (name: string): string => stripPrefix(name).prefix
