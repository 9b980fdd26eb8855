import { readFile } from 'node:fs/promises'
import { loraDelta, mergeLora } from '@lr/adapters'
import { matrix } from '@lr/svd'
import { calibratedLoraExtract, extractLoraModule, sampleLlama, type ExtractLoraModuleOptions, type LlamaModel, type LoraEntry, type ProgressEvent } from '@lr/pipeline'
import { loadLlama } from '@lr/pipeline/node'
import { UsageError } from '../../runtime.js'
import { unwrap } from '../lora.js'

/** What `--calibrate` needs from `lr lora extract`. */
export interface CalibrateRequest {
  readonly base: string
  readonly tuned: string
  /** 'self' (sample from the tuned model) or a file of raw bytes. */
  readonly calibrate: string
  readonly rows: number
  readonly seed: number
  /** Modules the adapter gives a LoRA (names without `.weight`). */
  readonly loraModules: ReadonlySet<string>
  /** Tensor names stored whole from the tuned model (modules_to_save). */
  readonly saved: ReadonlySet<string>
  readonly extract: ExtractLoraModuleOptions
  readonly onProgress: (ev: ProgressEvent) => void
}

const EMBED = 'model.embed_tokens'

/** `lr lora extract --calibrate`: the LoRA entries of every Llama projection / lm_head the adapter targets, by
 *  sequential output matching (@lr/pipeline `calibratedLoraExtract`) on calibration rows that are either sampled from
 *  the tuned model (`self`: `sampleLlama`, temperature 1, prompt "\n", `rows` × min(256, max_position_embeddings)
 *  tokens, `seed`) or read from a byte file (consecutive rows of that length). The embedding LoRA (if targeted) is the
 *  plain truncated SVD, computed here once so the start model and the written adapter hold the same one. */
export const calibratedEntries = async (req: CalibrateRequest): Promise<{ entries: Map<string, LoraEntry>; calibTokens: number; source: string }> => {
  const base = await unwrap(loadLlama(req.base)), tuned = await unwrap(loadLlama(req.tuned))
  const L = base.config.maxPositionEmbeddings, T = Math.min(256, L)
  const entries = new Map<string, LoraEntry>()
  // the start model: base with the adapter's modules_to_save and embedding LoRA in place
  let embed = req.saved.has(`${EMBED}.weight`) ? tuned.embed : base.embed
  if (req.loraModules.has(EMBED)) {
    const V = base.config.vocabSize, H = base.config.hiddenSize
    const delta = new Float32Array(V * H)
    for (let i = 0; i < delta.length; i++) delta[i] = tuned.embed[i]! - base.embed[i]!
    const e = await extractLoraModule(req.extract)({ name: `${EMBED}.weight`, dtype: 'F32', shape: [V, H], data: delta })
    entries.set(EMBED, e)
    embed = mergeLora(matrix(Float32Array.from(base.embed), V, H), e.lora, { fanInFanOut: true }).data
  }
  const pick = <T>(name: string, b: T, t: T): T => (req.saved.has(name) ? t : b)
  const start: LlamaModel = {
    ...base, embed,
    layers: base.layers.map((layer, l) => ({
      inputNorm: pick(`model.layers.${l}.input_layernorm.weight`, layer.inputNorm, tuned.layers[l]!.inputNorm),
      postAttentionNorm: pick(`model.layers.${l}.post_attention_layernorm.weight`, layer.postAttentionNorm, tuned.layers[l]!.postAttentionNorm),
      linears: Object.fromEntries(Object.entries(layer.linears).map(([p, lin]) => [p, pick(`model.layers.${l}.${p}.weight`, lin, tuned.layers[l]!.linears[p as keyof typeof layer.linears])])) as typeof layer.linears,
    })),
    finalNorm: pick('model.norm.weight', base.finalNorm, tuned.finalNorm),
    lmHead: pick('lm_head.weight', base.lmHead, tuned.lmHead),
  }
  let calib: Uint8Array, rows: number, source: string
  if (req.calibrate === 'self') {
    rows = req.rows
    calib = sampleLlama(tuned, { rows, length: T, seed: req.seed, onProgress: req.onProgress })
    source = `${rows} × ${T} bytes sampled from ${req.tuned} (temperature 1, seed ${req.seed})`
  } else {
    const bytes = await readFile(req.calibrate).catch((e: NodeJS.ErrnoException) => {
      throw new UsageError(`--calibrate ${req.calibrate}: ${e.code ?? e.message}; pass a file of raw bytes (text the tuned model is meant for), or 'self'`)
    })
    rows = Math.min(req.rows, Math.floor(bytes.length / T))
    if (rows < 1) throw new UsageError(`--calibrate ${req.calibrate}: ${bytes.length} bytes is less than one row of ${T}; give a longer file or --calibrate self`)
    for (let i = 0; i < rows * T; i++) if (bytes[i]! >= base.config.vocabSize)
      throw new UsageError(`--calibrate ${req.calibrate}: byte ${bytes[i]} at offset ${i} is outside the model's vocabulary of ${base.config.vocabSize}`)
    calib = new Uint8Array(bytes.buffer, bytes.byteOffset, rows * T)
    source = `${rows} × ${T} bytes of ${req.calibrate}`
  }
  const projections = new Set([...req.loraModules].filter((m) => m === 'lm_head' || /^model\.layers\.\d+\.(self_attn|mlp)\.[a-z_]+_proj$/.test(m)))
  const mods = calibratedLoraExtract(start, tuned, calib, { rank: req.extract.rank, rows, modules: projections, onProgress: req.onProgress })
  for (const m of mods) {
    entries.set(m.module, {
      type: 'lora', name: m.module,
      lora: { a: matrix(m.a, m.rank, m.inFeatures), b: matrix(m.b, m.outFeatures, m.rank), scaling: 1, kind: 'linear' },
      report: { inputRank: m.inputRank, relativeOutputError: m.relativeOutputError },
    })
  }
  return { entries, calibTokens: rows * T, source }
}

/** The report of a calibrated module, measured against ΔW as the plain extraction's is. */
export const calibratedReport = (entry: LoraEntry, delta: Float32Array, shape: readonly [number, number]): object => {
  const ba = loraDelta(entry.lora).data   // [out, in] row-major, like delta
  let norm2 = 0, err2 = 0
  for (let i = 0; i < delta.length; i++) { const d = delta[i]!; norm2 += d * d; const e = d - ba[i]!; err2 += e * e }
  const norm = Math.sqrt(norm2)
  return { module: entry.name, shape, rank: entry.lora.a.shape[0], norm, relativeError: norm === 0 ? 0 : Math.sqrt(err2) / norm, kind: 'linear', calibrated: true, ...entry.report }
}
