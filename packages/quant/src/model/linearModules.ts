/**
 * True for the weight of a linear layer that compression and quantization act on: a 2-D tensor named `….weight`
 * that is not an embedding, a norm or the LM head (`embed`, `norm`, `lm_head`, `wte`, `wpe` in its name).
 * @example isLinearWeight('model.layers.0.mlp.down_proj.weight', [256, 768]) // true
 * @since 0.1.0  @category model
 */
export function isLinearWeight(name: string, shape: readonly number[]): boolean {
  return shape.length === 2 && name.endsWith('.weight') && !/(embed|norm|lm_head|\bwte\b|\bwpe\b)/i.test(name)
}

/** Llama/Mistral/Qwen projections that read the same input as a sibling: q/k/v share one, gate/up another. */
const SHARED_INPUT: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|\.)(k_proj|v_proj)$/, '$1q_proj'],
  [/(^|\.)up_proj$/, '$1gate_proj'],
]

/**
 * The calibration key holding Σ x·xᵀ of a module's input: the module name itself (`model.layers.0.mlp.down_proj`),
 * else the sibling that reads the same input (k/v_proj → q_proj, up_proj → gate_proj, as in the fixtures' calib files);
 * undefined when neither is present.
 * @example covarianceKeyFor('model.layers.0.self_attn.v_proj', ['model.layers.0.self_attn.q_proj']) // 'model.layers.0.self_attn.q_proj'
 * @since 0.1.0  @category model
 */
export function covarianceKeyFor(module: string, keys: Iterable<string>): string | undefined {
  const set = keys instanceof Set ? (keys as Set<string>) : new Set(keys)
  if (set.has(module)) return module
  for (const [re, to] of SHARED_INPUT) {
    if (re.test(module)) { const k = module.replace(re, to); if (set.has(k)) return k }
  }
  return undefined
}
