import { readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { PipelineIoError } from '../errors.js'
import { parseLlamaConfig } from '../eval/config.js'
import { buildLlama, type LlamaModel } from '../eval/llama.js'
import { withPeftLora } from '../eval/withPeftLora.js'
import { toLrError, type LrError } from '../lrError.js'
import { readMiniCheckpoint } from '../internal/miniCheckpoint.js'

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

/** Loads a `LlamaForCausalLM` for evaluation from a model directory (config.json + model.safetensors, or a
 *  sharded dir with model.safetensors.index.json) or a .safetensors file with config.json beside it.
 *  Weights of any float dtype are decoded to f32; `factored-v1` projections stay factored.
 *  @example const model = await loadLlama('examples/tinyllama-base', { adapter: 'my-lora' })()
 *  @since 0.1.0  @category eval */
export const loadLlama = (path: string, opts: LoadLlamaOptions = {}): TE.TaskEither<LrError, LlamaModel> =>
  TE.tryCatch(async () => {
    const isFile = (await stat(path).catch(() => { throw new PipelineIoError(path, 'stat', 'no such file or directory; pass a model directory or .safetensors file') })).isFile()
    const cfgFile = join(isFile ? dirname(path) : path, 'config.json')
    const config = parseLlamaConfig(await readJson(cfgFile, 'model config'), cfgFile)
    const ckpt = await readMiniCheckpoint(path)
    let model = buildLlama(config, (n) => ckpt.tensors.get(n), path)
    if (opts.adapter !== undefined) {
      const acfgFile = join(opts.adapter, 'adapter_config.json')
      const acfg = await readJson(acfgFile, 'adapter config')
      const afile = join(opts.adapter, 'adapter_model.safetensors')
      const ad = await readMiniCheckpoint(afile)
      model = withPeftLora(model, acfg, (n) => ad.tensors.get(n), ad.tensors.keys(), afile)
    }
    return model
  }, toLrError)
