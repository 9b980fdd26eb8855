import { readFile } from 'node:fs/promises'
import { evaluateLoss } from '@lr/pipeline'
import { loadLlama } from '@lr/pipeline/node'
import { UsageError, type ProgressReporter } from '../../runtime.js'
import { unwrap } from '../lora.js'

/** `--eval bytes.u8`: mean next-byte cross-entropy (nats) of a model (optionally with an unmerged PEFT adapter)
 *  through @lr/pipeline's evaluator. */
export const evalLoss = async (model: string, data: string, progress: ProgressReporter, adapter?: string): Promise<{ loss: number; tokens: number }> => {
  const bytes = await readFile(data).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`--eval ${data}: ${e.code ?? e.message}; pass a file of raw byte rows (e.g. eval_prose.u8)`)
  })
  const llama = await unwrap(loadLlama(model, adapter !== undefined ? { adapter } : {}))
  const r = await unwrap(evaluateLoss(llama, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { source: data, onProgress: (ev) => progress.update(ev) }))
  progress.stop()
  return { loss: r.loss, tokens: r.tokens }
}
