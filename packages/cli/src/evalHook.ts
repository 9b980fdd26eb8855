// `--eval bytes.u8` of compress/quantize/lora init: the loss of the written model, through @lr/pipeline.
import { readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { NamedTensor } from '@lr/io-safetensors'
import { buildLlama, evaluateLoss, parseLlamaConfig } from '@lr/pipeline'
import { loadLlama, readAllTensors } from '@lr/pipeline/node'
import { unwrap } from './modelSurgery.js'

export interface EvalReport { readonly loss: number; readonly tokens: number; readonly file: string }

const evalBytes = async (file: string): Promise<Uint8Array> => new Uint8Array(await readFile(file))

/** Loss of a model directory as written (dense or factored-v1). */
export const evalHook = async (modelDir: string, bytesFile: string): Promise<EvalReport> => {
  const model = await unwrap(loadLlama(modelDir))
  const r = await unwrap(evaluateLoss(model, await evalBytes(bytesFile), { source: bytesFile }))
  return { loss: r.loss, tokens: r.tokens, file: bytesFile }
}

/** Loss of `model` with some weights replaced by the f32 values a quantized layer applies (exact dequantization). */
export const evalWithWeights = async (model: string, replaced: ReadonlyMap<string, Float32Array>, bytesFile: string): Promise<EvalReport> => {
  const cfgFile = join((await stat(model)).isFile() ? dirname(model) : model, 'config.json')
  const config = parseLlamaConfig(JSON.parse(await readFile(cfgFile, 'utf8')), cfgFile)
  const tensors = await readAllTensors(model)
  const get = (name: string): NamedTensor | undefined => {
    const t = tensors.get(name), r = replaced.get(name)
    return t && r ? { name, dtype: 'F32', shape: t.shape, data: r } : t
  }
  const m = buildLlama(config, get, model)
  const r = await unwrap(evaluateLoss(m, await evalBytes(bytesFile), { source: bytesFile }))
  return { loss: r.loss, tokens: r.tokens, file: bytesFile }
}
