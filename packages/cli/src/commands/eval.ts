import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import { loadLlama } from '@lr/pipeline/node'
import { progressReporter, UsageError } from '../runtime.js'
import { deviceOption, evaluateOn, type Device } from '../device.js'

interface EvalFlags { readonly data: string; readonly adapter?: string; readonly rowBytes: string; readonly json?: boolean; readonly device: Device }

/** `lr eval <model> --data bytes.u8 [--adapter DIR] [--json]`: mean next-byte cross-entropy of a byte-level Llama. */
export const register = (program: Command): void => {
  program.command('eval')
    .description('Mean next-byte cross-entropy (nats) of a byte-level Llama checkpoint on a file of byte rows, in TypeScript (dense, LoRA-unmerged, factored, Fairy2i and packed int-k/NF4/SVDQuant layers, never densified).')
    .argument('<model>', 'model directory (config.json + model.safetensors or a sharded index) or a .safetensors file with config.json beside it')
    .requiredOption('--data <file>', 'evaluation bytes: rows of --row-bytes bytes; each row predicts bytes 1.. from the bytes before')
    .option('--adapter <dir>', 'a PEFT LoRA adapter directory: linear LoRAs (lm_head too) applied unmerged (x·Aᵀ·Bᵀ·scaling), embedding LoRAs (lora_embedding_A/B) added to the embedding table, modules_to_save tensors replacing the base')
    .option('--row-bytes <n>', 'bytes per row', '257')
    .option('--json', 'print {"loss", "tokens"} as one JSON document, no progress')
    .addOption(deviceOption('the dense, Fairy2i-packed and int-k/NF4-packed linears; attention, norms, LoRA, SVDQuant and factored layers stay on the CPU'))
    .addHelpText('after', '\nExample:\n  $ lr eval examples/tinyllama-base --data examples/eval_code.u8\n  $ lr eval examples/tinyllama-base --data examples/eval_prose.u8 --adapter my-lora --json\n  $ lr eval examples/tinyllama-base --data examples/eval_code.u8 --device gpu')
    .action(async (model: string, flags: EvalFlags) => {
      const rowBytes = Number(flags.rowBytes)
      if (!Number.isInteger(rowBytes) || rowBytes < 2) throw new UsageError(`--row-bytes "${flags.rowBytes}" must be an integer ≥ 2`)
      const isJson = flags.json === true
      const progress = progressReporter({ isJson })
      const loaded = await loadLlama(model, flags.adapter !== undefined ? { adapter: flags.adapter } : {})()
      if (E.isLeft(loaded)) throw loaded.left
      const bytes = await readFile(flags.data).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`--data ${flags.data}: ${e.code ?? e.message}; pass a file of raw bytes (e.g. examples/eval_code.u8)`)
      })
      const t0 = performance.now()
      const r = { right: await evaluateOn(flags.device, loaded.right, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { rowBytes, source: flags.data, onProgress: (ev) => progress.update(ev) }).finally(() => progress.stop()) }
      const seconds = (performance.now() - t0) / 1000
      if (isJson) process.stdout.write(`${JSON.stringify({ loss: r.right.loss, tokens: r.right.tokens })}\n`)
      else process.stdout.write(`loss ${r.right.loss.toFixed(5)} nats/byte over ${r.right.tokens} tokens (${r.right.rows} rows) · ${(r.right.tokens / seconds).toFixed(0)} tokens/s${r.right.gpu ? ` · gpu (${r.right.gpu.adapter}): ${r.right.gpu.linears} linears, ${r.right.gpu.cpuLinears} on the CPU` : ''}\n`)
    })
}
