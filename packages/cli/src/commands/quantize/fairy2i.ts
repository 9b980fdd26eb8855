import type { Command } from 'commander'
import { readFile } from 'node:fs/promises'
import type { LlamaModel } from '@lr/pipeline'
import { loadLlama } from '@lr/pipeline/node'
import * as E from 'fp-ts/lib/Either.js'
import { fromFloat32, isFloatDtype, type NamedTensor } from '@lr/io-safetensors'
import { openCheckpoint, writeCheckpoint, type Checkpoint, type TensorSpec } from '@lr/io-safetensors/node'
import { fairy2iQuantize, fairy2iDequantize, toFairy2iTensors, fairy2iMetadata, packedRowBytes, FAIRY2I_SUFFIX, MAX_STAGES } from '@lr/quant-complex'
import { progressReporter, UsageError } from '../../runtime.js'
import { companionFiles } from '../../companionFiles.js'
import { deviceOption, evaluateOn, openGpu, type Device } from '../../device.js'

/** Per-layer report of `lr quantize fairy2i`. */
interface LayerReport { readonly name: string; readonly shape: readonly number[]; readonly rel_error: number; readonly bits_per_weight: number }
interface Skipped { readonly name: string; readonly shape: readonly number[]; readonly reason: string }

/** `--skip lm_head` matches the module `lm_head` (its `lm_head.weight`) or any dotted component of a name. */
const isSkipped = (name: string, skip: readonly string[]): boolean => {
  const module = name.replace(/\.weight$/, '')
  return skip.some((s) => module === s || module.endsWith(`.${s}`) || module.startsWith(`${s}.`) || module.includes(`.${s}.`))
}

/** A linear weight: a 2-D floating `*.weight` that is not an embedding (norms are 1-D). */
const isLinear = (name: string, dtype: string, shape: readonly number[]): boolean =>
  shape.length === 2 && isFloatDtype(dtype as never) && name.endsWith('.weight') && !/(^|\.)(embed_tokens|embed_positions|embeddings?|wte|wpe|word_embeddings|position_embeddings|tok_embeddings)(\.|$)/.test(name)

const relFrobenius = (a: Float32Array, b: Float32Array): number => {
  let num = 0, den = 0
  for (let i = 0; i < a.length; i++) { const d = a[i]! - b[i]!; num += d * d; den += a[i]! * a[i]! }
  return den === 0 ? 0 : Math.sqrt(num / den)
}

const readF32 = async (ck: Checkpoint, name: string): Promise<Float32Array> => {
  const r = await ck.readFloat32(name)()
  if (E.isLeft(r)) throw r.left
  return r.right
}

const loadModel = async (path: string): Promise<LlamaModel> => {
  const m = await loadLlama(path)()
  if (E.isLeft(m)) throw m.left
  return m.right
}

/** `lr quantize fairy2i <model> --stages 2 --out DIR [--skip lm_head] [--dense] [--json]`. */
export const register = (quantize: Command): void => {
  quantize.command('fairy2i')
    .description('Fairy2i (arXiv:2512.02901): every even-shaped linear weight to its widely-linear complex form, quantized to {±1, ±i} with residual stages; writes the packed fairy2i-packed-v1 checkpoint (2 bits per complex code), or with --dense the dequantized real weights as a model directory')
    .argument('<model>', 'a .safetensors file or a checkpoint directory (config.json etc. are copied)')
    .requiredOption('--out <dir>', 'output model directory (built as <dir>.partial, renamed when complete)')
    .option('--stages <T>', `residual stages, 1…${MAX_STAGES} (1 bit per real weight per stage; 2 = the released Fairy2i-W2)`, '2')
    .option('--skip <modules...>', 'modules left unquantized, e.g. --skip lm_head')
    .option('--dense', 'write the dequantized real matrices (same dtype as the input) instead of packed codes')
    .option('--eval <bytes.u8>', 'print the loss (nats/byte, rows of 257 bytes) before and after with the lr eval evaluator; packed layers run through fairy2iApply, not densified')
    .option('--json', 'print one JSON document (per-layer errors, skipped tensors, sizes), no progress')
    .addOption(deviceOption('the --eval forward: packed layers through fairy2iApplyGpu, dense ones through the GPU GEMM; quantization itself is elementwise, on the CPU'))
    .addHelpText('after', '\nExample:\n  $ lr quantize fairy2i examples/tinyllama-base --stages 2 --out /tmp/tinyllama-fairy2i --eval examples/eval_code.u8 --device gpu\n  $ lr quantize fairy2i examples/tinyllama-base --stages 2 --out /tmp/tinyllama-fairy2i\n  $ lr quantize fairy2i examples/tinyllama-base --stages 2 --skip lm_head --dense --out /tmp/tinyllama-fairy2i-dense\n  $ lr quantize fairy2i examples/tinyllama-base --stages 2 --out /tmp/tinyllama-fairy2i --eval examples/eval_code.u8')
    .action(async (model: string, opts: { out: string; stages: string; skip?: string[]; dense?: boolean; json?: boolean; eval?: string; device: Device }) => {
      if (opts.device === 'gpu' && opts.eval === undefined) throw new UsageError('--device gpu runs the --eval forward on the GPU (quantization itself is elementwise, on the CPU): add --eval bytes.u8, or drop --device')
      if (opts.device === 'gpu') (await openGpu()).destroy() // no adapter: fail before writing anything
      const stages = Number(opts.stages)
      if (!/^\d+$/.test(opts.stages.trim()) || stages < 1 || stages > MAX_STAGES) throw new UsageError(`--stages must be an integer in 1…${MAX_STAGES}, got "${opts.stages}" (2 is the released Fairy2i-W2)`)
      const evalPath = opts.eval
      const evalBytes = evalPath === undefined ? undefined : await readFile(evalPath).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`--eval ${evalPath}: ${e.code ?? e.message}; pass a file of raw byte rows (e.g. examples/eval_code.u8)`)
      })
      const skip = opts.skip ?? []
      const isDense = Boolean(opts.dense)
      const r = await openCheckpoint(model)()
      if (E.isLeft(r)) throw r.left
      const ck = r.right
      const progress = progressReporter({ isJson: Boolean(opts.json) })
      const layers: LayerReport[] = []
      const skipped: Skipped[] = []
      try {
        const plan = ck.tensors.map((t) => {
          if (!isLinear(t.name, t.dtype, t.shape)) return { info: t, quantize: false }
          if (isSkipped(t.name, skip)) { skipped.push({ name: t.name, shape: t.shape, reason: 'skipped by --skip' }); return { info: t, quantize: false } }
          if (t.shape[0]! % 2 !== 0 || t.shape[1]! % 2 !== 0) { skipped.push({ name: t.name, shape: t.shape, reason: 'odd dimension: no widely-linear form' }); return { info: t, quantize: false } }
          return { info: t, quantize: true }
        })
        const total = plan.filter((p) => p.quantize).length
        const specs: TensorSpec[] = plan.flatMap(({ info, quantize: q }): TensorSpec[] => {
          if (!q || isDense) return [{ name: info.name, dtype: info.dtype, shape: info.shape }]
          const [out, inn] = info.shape as [number, number]
          return [
            { name: info.name + FAIRY2I_SUFFIX.codes, dtype: 'U8', shape: [stages, 2, out / 2, packedRowBytes(inn / 2)] },
            { name: info.name + FAIRY2I_SUFFIX.scales, dtype: 'F32', shape: [stages, 2, 2] },
            { name: info.name + FAIRY2I_SUFFIX.shape, dtype: 'I32', shape: [2] },
          ]
        })
        let done = 0
        let failure: unknown // an error of ours raised inside the stream: reported as itself, not as the writer's io-error
        async function* tensors(): AsyncGenerator<NamedTensor> {
          try { yield* quantized() } catch (e) { failure = e; throw e }
        }
        async function* quantized(): AsyncGenerator<NamedTensor> {
          for (const { info, quantize: q } of plan) {
            if (!q) {
              const t = await ck.readTensor(info.name)()
              if (E.isLeft(t)) throw t.left
              yield t.right
              continue
            }
            progress.update({ stage: `fairy2i T=${stages}`, done, total, item: info.name })
            const [out, inn] = info.shape as [number, number]
            const a = await readF32(ck, info.name)
            const packed = fairy2iQuantize({ data: a, shape: [out, inn], stride: [inn, 1], offset: 0 }, { stages, name: info.name })
            const dense = fairy2iDequantize(packed).data
            const packedTensors = toFairy2iTensors(info.name, packed)
            const bytes = packedTensors.reduce((s, t) => s + t.data.byteLength, 0)
            layers.push({ name: info.name, shape: info.shape, rel_error: relFrobenius(a, dense), bits_per_weight: (8 * bytes) / (out * inn) })
            done++
            if (isDense) yield fromFloat32(info.name, info.shape, dense, info.dtype === 'F32' || info.dtype === 'F16' ? info.dtype : 'BF16')
            else yield* packedTensors
          }
          progress.update({ stage: `fairy2i T=${stages}`, done, total })
        }
        const metadata = isDense ? { ...ck.metadata } : { ...ck.metadata, ...fairy2iMetadata(stages) }
        const w = await writeCheckpoint(opts.out, tensors(), { metadata, specs, extraFiles: await companionFiles(model) })()
        progress.stop()
        if (E.isLeft(w)) throw failure ?? w.left
        const quantizedParams = layers.reduce((s, l) => s + l.shape[0]! * l.shape[1]!, 0)
        const packedBits = layers.reduce((s, l) => s + l.bits_per_weight * l.shape[0]! * l.shape[1]!, 0)
        let evaluation: { data: string; loss_before: number; loss_after: number; tokens: number } | undefined
        if (evalBytes !== undefined && evalPath !== undefined) {
          const bytes = new Uint8Array(evalBytes.buffer, evalBytes.byteOffset, evalBytes.byteLength)
          const base = await loadModel(model)
          const after = await loadModel(opts.out) // as lr eval loads it: packed projections stay packed (fairy2iApply), never densified
          const lossOf = async (m: LlamaModel, stage: string) => {
            return evaluateOn(opts.device, m, bytes, { source: evalPath, onProgress: (ev) => progress.update({ ...ev, stage }) })
          }
          const b = await lossOf(base, 'eval (original)')
          const a = await lossOf(after, `eval (fairy2i${isDense ? ', dense' : ', packed'})`)
          progress.stop()
          evaluation = { data: evalPath, loss_before: b.loss, loss_after: a.loss, tokens: a.tokens }
        }
        const summary = {
          out: opts.out, format: isDense ? 'dense' : 'fairy2i-packed-v1', stages, files: w.right.files, total_bytes: w.right.totalBytes,
          quantized_layers: layers.length, quantized_params: quantizedParams,
          bits_per_weight: quantizedParams === 0 ? 0 : packedBits / quantizedParams,
          mean_rel_error: layers.length === 0 ? 0 : layers.reduce((s, l) => s + l.rel_error, 0) / layers.length,
          layers, skipped, ...(evaluation ? { eval: evaluation } : {}),
        }
        if (opts.json) { process.stdout.write(`${JSON.stringify(summary)}\n`); return }
        const lines = layers.map((l) => `  ${l.name.padEnd(44)} [${l.shape.join(', ')}]`.padEnd(62) + `  rel err ${l.rel_error.toFixed(4)}  ${l.bits_per_weight.toFixed(3)} bits/weight`)
        process.stdout.write([
          `fairy2i T=${stages}: quantized ${layers.length} linear weights (${quantizedParams.toLocaleString('en-US')} parameters), ${summary.bits_per_weight.toFixed(3)} bits/weight${isDense ? ' (stored dense)' : ''}, mean relative error ${summary.mean_rel_error.toFixed(4)}`,
          ...lines,
          ...(skipped.length ? [`skipped ${skipped.length}:`, ...skipped.map((s) => `  ${s.name} [${s.shape.join(', ')}]: ${s.reason}`)] : []),
          `wrote ${summary.total_bytes.toLocaleString('en-US')} bytes (${summary.format}) to ${opts.out}`,
          ...(evaluation ? [`eval ${evaluation.data}: loss ${evaluation.loss_before.toFixed(5)} → ${evaluation.loss_after.toFixed(5)} nats/byte over ${evaluation.tokens} tokens`] : []),
        ].join('\n') + '\n')
      } finally {
        progress.stop()
        await ck.close()
      }
    })
}
