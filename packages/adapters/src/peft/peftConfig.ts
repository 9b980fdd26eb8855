import { AdapterConfigError } from '../errors.js'

/**
 * A PEFT LoRA adapter configuration (`adapter_config.json`), with PEFT's own field names so that each
 * option maps one to one. Fields this library does not interpret are kept in `extra` and written back
 * unchanged, so a read → write round trip preserves the file.
 * @since 0.1.0  @category peft
 */
export interface PeftLoraConfig {
  readonly peft_type: 'LORA'
  /** Default rank. */
  readonly r: number
  /** Default alpha; scaling = lora_alpha / r (or / √r with use_rslora). */
  readonly lora_alpha: number
  /** Module-name suffixes (list) or a full-match regex (string); `"all-linear"` as in PEFT. */
  readonly target_modules: readonly string[] | string | null
  readonly exclude_modules: readonly string[] | string | null
  /** Per-module rank: key is a regex matched against the end of the module name (`(.*\.)?(key)$`). */
  readonly rank_pattern: Readonly<Record<string, number>>
  /** Per-module alpha, matched like `rank_pattern`. */
  readonly alpha_pattern: Readonly<Record<string, number>>
  readonly use_rslora: boolean
  /** true (kaiming A, B = 0), false, or a method name: "gaussian", "pissa", "pissa_niter_4", "olora", "corda", "eva", … */
  readonly init_lora_weights: boolean | string
  /** The base weight is stored [in, out] (GPT-2 Conv1D); ΔW is transposed before it is added. */
  readonly fan_in_fan_out: boolean
  readonly layers_to_transform: readonly number[] | number | null
  readonly layers_pattern: readonly string[] | string | null
  readonly base_model_name_or_path: string | null
  readonly task_type: string | null
  /** Every other field of the file, as read. */
  readonly extra: Readonly<Record<string, unknown>>
}

/** The fields (and defaults) that PEFT 0.21 writes for a LoRA adapter, used for every file we write. */
const PEFT_DEFAULTS: Readonly<Record<string, unknown>> = {
  alora_invocation_tokens: null,
  alpha_pattern: {},
  arrow_config: null,
  auto_mapping: null,
  base_model_name_or_path: null,
  bias: 'none',
  corda_config: null,
  ensure_weight_tying: false,
  eva_config: null,
  exclude_modules: null,
  fan_in_fan_out: false,
  inference_mode: true,
  init_lora_weights: true,
  kasa_config: null,
  layer_replication: null,
  layers_pattern: null,
  layers_to_transform: null,
  loftq_config: {},
  lora_alpha: 8,
  lora_bias: false,
  lora_dropout: 0.0,
  lora_ga_config: null,
  megatron_config: null,
  megatron_core: 'megatron.core',
  modules_to_save: null,
  monteclora_config: null,
  peft_type: 'LORA',
  peft_version: '0.21.0',
  qalora_group_size: 16,
  r: 8,
  rank_pattern: {},
  revision: null,
  target_modules: null,
  target_parameters: null,
  task_type: null,
  trainable_token_indices: null,
  use_bdlora: null,
  use_dora: false,
  use_qalora: false,
  use_rslora: false,
  velora_config: null,
}

/** Names of the fields PEFT 0.21 writes in `adapter_config.json` for LoRA, sorted.
 *  @since 0.1.0  @category peft */
export const PEFT_CONFIG_FIELDS: readonly string[] = Object.keys(PEFT_DEFAULTS).sort()

const TYPED_FIELDS = new Set(['peft_type', 'r', 'lora_alpha', 'target_modules', 'exclude_modules', 'rank_pattern', 'alpha_pattern',
  'use_rslora', 'init_lora_weights', 'fan_in_fan_out', 'layers_to_transform', 'layers_pattern', 'base_model_name_or_path', 'task_type'])

/** Options to build a new PEFT LoRA config; the rest takes PEFT's defaults.
 *  @since 0.1.0  @category peft */
export interface PeftLoraConfigInput {
  /** @default 8 (PEFT) */
  readonly r?: number
  /** @default 8 (PEFT) */
  readonly lora_alpha?: number
  /** @default null */
  readonly target_modules?: readonly string[] | string | null
  /** @default {} */
  readonly rank_pattern?: Readonly<Record<string, number>>
  /** @default {} */
  readonly alpha_pattern?: Readonly<Record<string, number>>
  /** @default false */
  readonly use_rslora?: boolean
  /** @default true */
  readonly init_lora_weights?: boolean | string
  /** @default false */
  readonly fan_in_fan_out?: boolean
  /** @default null */
  readonly layers_to_transform?: readonly number[] | number | null
  /** @default null */
  readonly layers_pattern?: readonly string[] | string | null
  /** @default null */
  readonly exclude_modules?: readonly string[] | string | null
  /** @default null */
  readonly base_model_name_or_path?: string | null
  /** @default null */
  readonly task_type?: string | null
  /** Any other PEFT field (e.g. `auto_mapping`). @default {} */
  readonly extra?: Readonly<Record<string, unknown>>
}

/** A complete PEFT LoRA config from a few options; every other field takes PEFT's default.
 *  Validated like a file read from disk.
 *  @example const c = peftLoraConfig({ r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'] })
 *  @since 0.1.0  @category peft */
export const peftLoraConfig = (input: PeftLoraConfigInput): PeftLoraConfig => {
  const { extra, ...rest } = input
  return parsePeftConfig({ ...PEFT_DEFAULTS, ...(extra ?? {}), ...rest }, '<options>')
}

const isRecord = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x)

const stringOrList = (v: unknown, file: string, field: string): readonly string[] | string | null => {
  if (v === null || v === undefined) return null
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
  throw new AdapterConfigError('bad-field', file, field, `expected a string, a list of strings or null, got ${JSON.stringify(v)}; fix the file`)
}

const patternRecord = (v: unknown, file: string, field: string, isRank: boolean): Record<string, number> => {
  if (v === null || v === undefined) return {}
  if (!isRecord(v)) throw new AdapterConfigError('bad-field', file, field, `expected an object {pattern: number}, got ${JSON.stringify(v)}`)
  const out: Record<string, number> = {}
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'number' || !Number.isFinite(x) || (isRank && (!Number.isInteger(x) || x <= 0)))
      throw new AdapterConfigError('bad-field', file, `${field}.${k}`, `expected ${isRank ? 'a positive integer rank' : 'a finite alpha'}, got ${JSON.stringify(x)}`)
    try { new RegExp(`^(.*\\.)?(${k})$`) } catch (e) {
      throw new AdapterConfigError('bad-field', file, `${field}.${k}`, `not a valid regular expression (${(e as Error).message}); escape it or use a plain module suffix`)
    }
    out[k] = x
  }
  return out
}

const bool = (v: unknown, file: string, field: string, dflt: boolean): boolean => {
  if (v === undefined || v === null) return dflt
  if (typeof v !== 'boolean') throw new AdapterConfigError('bad-field', file, field, `expected true or false, got ${JSON.stringify(v)}`)
  return v
}

/**
 * Parses and validates a PEFT LoRA `adapter_config.json` (text or parsed JSON). Throws `AdapterConfigError`
 * naming the file, field, rule and fix: not JSON, `peft_type` other than LORA, missing `r`/`lora_alpha`,
 * non-integer ranks in `rank_pattern`, invalid pattern regexes, and variants this library cannot apply
 * exactly (`use_dora`, `lora_bias`, `use_qalora`, `layer_replication`).
 * @example const c = parsePeftConfig('{"peft_type":"LORA","r":8,"lora_alpha":16,"target_modules":["q_proj"]}', 'adapter_config.json')
 * @since 0.1.0  @category peft
 */
export const parsePeftConfig = (json: string | unknown, file = 'adapter_config.json'): PeftLoraConfig => {
  let raw: unknown = json
  if (typeof json === 'string') {
    try { raw = JSON.parse(json) } catch (e) {
      throw new AdapterConfigError('not-json', file, undefined, `${(e as Error).message}; the file is truncated or not JSON, re-save the adapter`)
    }
  }
  if (!isRecord(raw)) throw new AdapterConfigError('not-an-object', file, undefined, 'expected a JSON object at top level')
  if (raw['peft_type'] !== 'LORA')
    throw new AdapterConfigError(raw['peft_type'] === undefined ? 'missing-field' : 'wrong-peft-type', file, 'peft_type',
      `expected "LORA", got ${JSON.stringify(raw['peft_type'])}; only LoRA adapters are supported`)
  for (const f of ['r', 'lora_alpha'] as const) {
    const v = raw[f]
    if (v === undefined) throw new AdapterConfigError('missing-field', file, f, `required; add "${f}" (PEFT writes it for every LoRA adapter)`)
    if (typeof v !== 'number' || !Number.isFinite(v) || (f === 'r' && (!Number.isInteger(v) || v <= 0)))
      throw new AdapterConfigError('bad-field', file, f, `expected ${f === 'r' ? 'a positive integer' : 'a finite number'}, got ${JSON.stringify(v)}`)
  }
  for (const [f, what] of [['use_dora', 'DoRA'], ['lora_bias', 'a LoRA bias'], ['use_qalora', 'QALoRA']] as const) {
    if (raw[f] === true) throw new AdapterConfigError('unsupported', file, f,
      `${what} adapters are not supported: their merge is not B·A; merge it with PEFT or retrain with ${f}=false`)
  }
  if (raw['layer_replication'] !== undefined && raw['layer_replication'] !== null)
    throw new AdapterConfigError('unsupported', file, 'layer_replication', 'layer replication changes the model structure; it is not supported')
  const init = raw['init_lora_weights']
  if (init !== undefined && init !== null && typeof init !== 'boolean' && typeof init !== 'string')
    throw new AdapterConfigError('bad-field', file, 'init_lora_weights', `expected a boolean or a method name, got ${JSON.stringify(init)}`)
  const ltt = raw['layers_to_transform']
  if (ltt !== undefined && ltt !== null && !(Number.isInteger(ltt) || (Array.isArray(ltt) && ltt.every((x) => Number.isInteger(x)))))
    throw new AdapterConfigError('bad-field', file, 'layers_to_transform', `expected an integer, a list of integers or null, got ${JSON.stringify(ltt)}`)
  const str = (f: string): string | null => {
    const v = raw[f]
    if (v === undefined || v === null) return null
    if (typeof v !== 'string') throw new AdapterConfigError('bad-field', file, f, `expected a string or null, got ${JSON.stringify(v)}`)
    return v
  }
  const extra: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(raw)) if (!TYPED_FIELDS.has(k)) extra[k] = v
  return {
    peft_type: 'LORA',
    r: raw['r'] as number,
    lora_alpha: raw['lora_alpha'] as number,
    target_modules: stringOrList(raw['target_modules'], file, 'target_modules'),
    exclude_modules: stringOrList(raw['exclude_modules'], file, 'exclude_modules'),
    rank_pattern: patternRecord(raw['rank_pattern'], file, 'rank_pattern', true),
    alpha_pattern: patternRecord(raw['alpha_pattern'], file, 'alpha_pattern', false),
    use_rslora: bool(raw['use_rslora'], file, 'use_rslora', false),
    init_lora_weights: (init ?? true) as boolean | string,
    fan_in_fan_out: bool(raw['fan_in_fan_out'], file, 'fan_in_fan_out', false),
    layers_to_transform: (ltt ?? null) as readonly number[] | number | null,
    layers_pattern: stringOrList(raw['layers_pattern'], file, 'layers_pattern'),
    base_model_name_or_path: str('base_model_name_or_path'),
    task_type: str('task_type'),
    extra,
  }
}

const sortKeys = (x: unknown): unknown => {
  if (Array.isArray(x)) return x.map(sortKeys)
  if (!isRecord(x)) return x
  const out: Record<string, unknown> = {}
  for (const k of Object.keys(x).sort()) out[k] = sortKeys(x[k])
  return out
}

/**
 * The `adapter_config.json` text for a config: every field PEFT 0.21 writes (its defaults where the
 * config has no value), fields read from a file kept as read, keys sorted, 2-space indent — as PEFT's
 * `save_pretrained` writes it.
 * @example const text = serializePeftConfig(peftLoraConfig({ r: 8, lora_alpha: 16, target_modules: ['q_proj'] }))
 * @since 0.1.0  @category peft
 */
export const serializePeftConfig = (config: PeftLoraConfig): string => {
  const { extra, ...typed } = config
  const obj: Record<string, unknown> = { ...PEFT_DEFAULTS, ...extra, ...typed }
  return `${JSON.stringify(sortKeys(obj), null, 2)}\n`
}
