import { readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { ModelTensorError, PipelineIoError } from '../errors.js'
import { parseLlamaConfig } from '../eval/config.js'
import { buildLlama, type LlamaModel } from '../eval/llama.js'
import { withPeftLora } from '../eval/withPeftLora.js'
import { toLrError, type LrError } from '../lrError.js'
import { openCheckpoint } from '@lr/io-safetensors/node'
import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { mergeLora, parsePeftAdapter, parsePeftConfig, parsePeftKey } from '@lr/adapters'
import { matrix } from '@lr/svd'

/** Options of `loadLlama`.  @since 0.1.0  @category eval */
export interface LoadLlamaOptions {
  /** A PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors): LoRAs of linear layers
   *  (lm_head included) applied unmerged; an embedding LoRA (`lora_embedding_A`/`_B`) added to the f32 embedding
   *  table (a row gather, so merged and unmerged are the same arithmetic); `modules_to_save` tensors replace the
   *  base tensors. */
  readonly adapter?: string
}

const readJson = async (file: string, what: string, fix: string): Promise<unknown> => {
  let text: string
  try { text = await readFile(file, 'utf8') } catch (e) {
    throw new PipelineIoError(file, 'read', `${(e as { code?: string }).code ?? 'error'}: cannot read the ${what}; ${fix}`)
  }
  try { return JSON.parse(text) } catch (e) { throw new PipelineIoError(file, 'parse', `not valid JSON (${(e as Error).message})`) }
}

/** Every tensor of a checkpoint, by name (files closed in every case). */
export const readAllTensors = async (path: string): Promise<Map<string, NamedTensor>> => {
  const ck = await openCheckpoint(path)()
  if (ck._tag === 'Left') throw ck.left
  try {
    const out = new Map<string, NamedTensor>()
    for (const t of ck.right.tensors) {
      const r = await ck.right.readTensor(t.name)()
      if (r._tag === 'Left') throw r.left
      out.set(t.name, r.right)
    }
    return out
  } finally { await ck.right.close() }
}
/** The `__metadata__` of a checkpoint (of its first shard when sharded). */
const readMetadata = async (path: string): Promise<Record<string, string>> => {
  const ck = await openCheckpoint(path)()
  if (ck._tag === 'Left') throw ck.left
  try { return { ...ck.right.metadata } } finally { await ck.right.close() }
}
const lookup = (m: Map<string, NamedTensor>) => (name: string): NamedTensor | undefined => m.get(name)

/** Loads a `LlamaForCausalLM` for evaluation from a model directory (config.json + model.safetensors, or a
 *  sharded dir with model.safetensors.index.json) or a .safetensors file with config.json beside it.
 *  Weights of any float dtype are decoded to f32; `factored-v1` and `fairy2i-packed-v1` projections stay
 *  factored / packed.
 *  @example const model = await loadLlama('examples/tinyllama-base', { adapter: 'my-lora' })()
 *  @since 0.1.0  @category eval */
export const loadLlama = (path: string, opts: LoadLlamaOptions = {}): TE.TaskEither<LrError, LlamaModel> =>
  TE.tryCatch(async () => {
    const isFile = (await stat(path).catch(() => { throw new PipelineIoError(path, 'stat', 'no such file or directory; pass a model directory or .safetensors file') })).isFile()
    const cfgFile = join(isFile ? dirname(path) : path, 'config.json')
    const config = parseLlamaConfig(await readJson(cfgFile, 'model config', 'a model directory needs config.json next to its safetensors'), cfgFile)
    const tensors = await readAllTensors(path)
    const metadata = await readMetadata(path)
    if (opts.adapter === undefined) return buildLlama(config, lookup(tensors), path, { metadata })
    const acfgFile = join(opts.adapter, 'adapter_config.json')
    const acfg = await readJson(acfgFile, 'adapter config', 'pass a PEFT adapter directory (adapter_config.json + adapter_model.safetensors)')
    const afile = join(opts.adapter, 'adapter_model.safetensors')
    const ad = await readAllTensors(afile)
    // Whole tensors (modules_to_save) and embedding LoRAs change the base tensors; linear LoRAs stay unmerged.
    const parsed = parsePeftAdapter(parsePeftConfig(acfg, acfgFile), [...ad.values()].map((t) => ({ name: t.name, shape: t.shape, data: toFloat32(t) })), afile)
    const overrides = new Map<string, NamedTensor>()
    for (const t of parsed.modulesToSave?.values() ?? []) {
      const b = tensors.get(t.name)
      if (b === undefined || b.shape.join() !== t.shape.join())
        throw new ModelTensorError(afile, t.name, `modules_to_save tensor [${t.shape.join(', ')}] ${b === undefined ? 'is not in the model' : `does not fit the model's [${b.shape.join(', ')}]`}; the adapter was trained on another model`)
      overrides.set(t.name, { name: t.name, dtype: 'F32', shape: t.shape, data: t.data })
    }
    for (const m of parsed.modules.values()) {
      if (m.kind !== 'embedding') continue
      const name = `${m.module}.weight`
      const w = overrides.get(name) ?? tensors.get(name)
      if (w === undefined || w.shape.length !== 2 || w.shape[0] !== m.a.shape[1] || w.shape[1] !== m.b.shape[0])
        throw new ModelTensorError(afile, name, `embedding LoRA A [${m.a.shape.join(', ')}] / B [${m.b.shape.join(', ')}] does not fit the model's ${w === undefined ? 'missing tensor' : `[${w.shape.join(', ')}]`}; the adapter was trained on another model`)
      const merged = mergeLora(matrix(toFloat32(w), w.shape[0]!, w.shape[1]!), m, { fanInFanOut: true })
      overrides.set(name, { name, dtype: 'F32', shape: w.shape, data: merged.data })
    }
    const model = buildLlama(config, (name) => overrides.get(name) ?? tensors.get(name), path, { metadata })
    const linearKeys = [...ad.keys()].filter((k) => parsePeftKey(k)?.kind === 'linear')
    return linearKeys.length === 0 ? model : withPeftLora(model, acfg, lookup(ad), linearKeys, afile)
  }, toLrError)
