import { readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { PipelineIoError } from '../errors.js'
import { parseLlamaConfig } from '../eval/config.js'
import { buildLlama, type LlamaModel } from '../eval/llama.js'
import { withPeftLora } from '../eval/withPeftLora.js'
import { toLrError, type LrError } from '../lrError.js'
import { openCheckpoint } from '@lr/io-safetensors/node'
import type { NamedTensor } from '@lr/io-safetensors'

/** Options of `loadLlama`.  @since 0.1.0  @category eval */
export interface LoadLlamaOptions {
  /** A PEFT LoRA adapter directory (adapter_config.json + adapter_model.safetensors) applied unmerged. */
  readonly adapter?: string
}

const readJson = async (file: string, what: string): Promise<unknown> => {
  let text: string
  try { text = await readFile(file, 'utf8') } catch (e) {
    throw new PipelineIoError(file, 'read', `${(e as { code?: string }).code ?? 'error'}: cannot read the ${what}; a model directory needs config.json next to its safetensors`)
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
    const config = parseLlamaConfig(await readJson(cfgFile, 'model config'), cfgFile)
    let model = buildLlama(config, lookup(await readAllTensors(path)), path)
    if (opts.adapter !== undefined) {
      const acfg = await readJson(join(opts.adapter, 'adapter_config.json'), 'adapter config')
      const afile = join(opts.adapter, 'adapter_model.safetensors')
      const ad = await readAllTensors(afile)
      model = withPeftLora(model, acfg, lookup(ad), ad.keys(), afile)
    }
    return model
  }, toLrError)
