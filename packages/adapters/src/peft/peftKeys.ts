/** The PEFT state-dict prefix of every adapter tensor (`PeftModel` → `LoraModel` → the base model). */
export const PEFT_PREFIX = 'base_model.model.'

/**
 * The PEFT tensor name of a linear module's A (`[r, in]`) or B (`[out, r]`), as `save_pretrained` writes it.
 * @example peftKey('model.layers.0.self_attn.q_proj', 'A') // 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'
 * @since 0.1.0  @category peft
 */
export const peftKey = (module: string, which: 'A' | 'B'): string => `${PEFT_PREFIX}${module}.lora_${which}.weight`

/** What a PEFT adapter tensor name says: the module, which factor, and whether it is an embedding LoRA. */
export interface PeftKeyInfo { readonly module: string; readonly which: 'A' | 'B'; readonly kind: 'linear' | 'embedding' }

/**
 * Parses a PEFT adapter tensor name (`…<module>.lora_A.weight`, `…<module>.lora_embedding_B`);
 * `undefined` for anything else. The `base_model.model.` prefix is removed when present.
 * @example parsePeftKey('base_model.model.model.layers.0.mlp.up_proj.lora_B.weight') // { module: 'model.layers.0.mlp.up_proj', which: 'B', kind: 'linear' }
 * @since 0.1.0  @category peft
 */
export const parsePeftKey = (key: string): PeftKeyInfo | undefined => {
  const m = /^(.*)\.lora_(A|B)\.weight$/.exec(key) ?? /^(.*)\.lora_embedding_(A|B)$/.exec(key)
  if (!m) return undefined
  const full = m[1]!
  const module = full.startsWith(PEFT_PREFIX) ? full.slice(PEFT_PREFIX.length) : full
  return { module, which: m[2] as 'A' | 'B', kind: key.endsWith('.weight') ? 'linear' : 'embedding' }
}

/**
 * The model tensor name of a PEFT `modules_to_save` tensor, or `undefined` when `key` is not one: the saved key
 * is `base_model.model.<module>.<param>` (PEFT ≥ 0.14; older files have `<module>.modules_to_save.<param>`, and a
 * model state dict `<module>.modules_to_save.default.<param>`), and `<module>` must match an entry of the config's
 * `modules_to_save` as PEFT matches it (the whole name or a `.`-separated suffix).
 * @example parseSavedModuleKey('base_model.model.model.norm.weight', ['norm']) // 'model.norm.weight'
 * @since 0.1.0  @category peft
 */
export const parseSavedModuleKey = (key: string, modulesToSave: readonly string[]): string | undefined => {
  const full = key.startsWith(PEFT_PREFIX) ? key.slice(PEFT_PREFIX.length) : key
  const name = full.replace(/\.modules_to_save(?:\.default)?(?=\.[^.]+$)/, '')
  const dot = name.lastIndexOf('.')
  if (dot <= 0) return undefined
  const module = name.slice(0, dot)
  return modulesToSave.some((m) => module === m || module.endsWith(`.${m}`)) ? name : undefined
}
