// `lr lora init loftq`: LoftQ (PEFT init_lora_weights="loftq") — the quantized base and the PEFT adapter.
import { join } from 'node:path'
import type { NamedTensor } from '@lr/io-safetensors'
import { fromFloat32 } from '@lr/io-safetensors'
import { loraAdapterFromModules } from '@lr/adapters'
import { writePeftAdapterDir } from '@lr/adapters/node'
import { isLinearWeight, loftqInit } from '@lr/quant'
import { InvalidArgument, matrix, type Mat } from '@lr/svd'
import { progressReporter } from '../../runtime.js'
import { companionFiles, denseProduct, open, outDtypeOf, unwrap, writeModel } from '../../modelSurgery.js'
import { evalWithWeights, type EvalReport } from '../../evalHook.js'

export interface LoftqFlags {
  readonly model: string; readonly rank: number; readonly bits: number; readonly iters: number; readonly targets: readonly string[] | string
  readonly out: string; readonly dense?: boolean; readonly eval?: string; readonly json?: boolean
}

const targeted = (name: string, targets: readonly string[] | string): boolean => {
  if (targets === 'all-linear') return true
  const leaf = name.slice(0, -'.weight'.length).split('.').pop()!
  return (targets as readonly string[]).includes(leaf)
}

/** Runs LoftQ over every targeted linear layer: OUT/adapter (PEFT, lora_alpha = r, init_lora_weights "loftq") and
 *  OUT/quantized_model (quant-nf4-v1, or with --dense the dequantized base in the input dtype). */
export const runLoftq = async (f: LoftqFlags): Promise<void> => {
  if (f.bits !== 4) throw new InvalidArgument('lora init loftq', '--bits', `${f.bits}: only 4-bit NF4 (PEFT's bitsandbytes path) is supported`)
  const progress = progressReporter({ isJson: Boolean(f.json) })
  const ckpt = await open(f.model)
  try {
    const linears = ckpt.tensors.filter((t) => isLinearWeight(t.name, t.shape) && targeted(t.name, f.targets))
    if (linears.length === 0) throw new InvalidArgument('lora init loftq', '--targets', `no linear weight of ${ckpt.path} matches ${JSON.stringify(f.targets)}`)
    for (const t of linears) {
      const [out, inDim] = t.shape as [number, number]
      if (f.rank > Math.min(out, inDim)) throw new InvalidArgument('lora init loftq', '--rank', `${f.rank} exceeds min(out, in) = ${Math.min(out, inDim)} of "${t.name}"`)
      if (!f.dense && ((out * inDim) % 64 !== 0 || inDim % 2 !== 0)) throw new InvalidArgument('lora init loftq', t.name, `[${out}, ${inDim}] does not split into NF4 blocks of 64 with even rows; use --dense`)
    }
    const plan = new Set(linears.map((t) => t.name))
    const pairs = new Map<string, { a: Mat<Float32Array>; b: Mat<Float32Array>; scaling: number }>()
    const effective = new Map<string, Float32Array>(), baseOnly = new Map<string, Float32Array>()
    const specs = ckpt.tensors.flatMap((t) => {
      if (!plan.has(t.name) || f.dense) return [{ name: t.name, dtype: plan.has(t.name) ? outDtypeOf(t.dtype) : t.dtype, shape: [...t.shape] }]
      const m = t.name.slice(0, -'.weight'.length), [out, inDim] = t.shape as [number, number]
      return [{ name: `${m}.weight_packed`, dtype: 'U8' as const, shape: [out, inDim / 2] }, { name: `${m}.weight_absmax`, dtype: 'F32' as const, shape: [(out * inDim) / 64] }]
    })
    async function* stream(): AsyncGenerator<NamedTensor> {
      let done = 0
      for (const t of ckpt.tensors) {
        if (!plan.has(t.name)) { yield await unwrap(ckpt.readTensor(t.name)); continue }
        progress.update({ stage: 'loftq', done, total: plan.size, item: t.name })
        const [out, inDim] = t.shape as [number, number]
        const m = t.name.slice(0, -'.weight'.length)
        const r = loftqInit(matrix(await unwrap(ckpt.readFloat32(t.name)), out, inDim), { rank: f.rank, bits: f.bits, iters: f.iters })
        pairs.set(m, { a: r.loraA, b: r.loraB, scaling: 1 })
        if (f.eval) {
          const ba = denseProduct(r.loraB, r.loraA)
          baseOnly.set(t.name, r.base.data)
          effective.set(t.name, Float32Array.from(r.base.data, (v, i) => v + ba[i]!))
        }
        if (f.dense) yield fromFloat32(t.name, [out, inDim], r.base.data, outDtypeOf(t.dtype))
        else {
          yield { name: `${m}.weight_packed`, dtype: 'U8', shape: [out, inDim / 2], data: r.quantized.codes }
          yield { name: `${m}.weight_absmax`, dtype: 'F32', shape: [r.quantized.absmax.length], data: r.quantized.absmax }
        }
        done++
      }
    }
    const baseDir = join(f.out, 'quantized_model'), adapterDir = join(f.out, 'adapter')
    const meta: Record<string, string> = f.dense ? { format: 'pt' } : { format: 'pt', lr_format: 'quant-nf4-v1', lr_quant: JSON.stringify({ blockSize: 64, bitOrder: 'msb-first' }) }
    await writeModel(baseDir, specs, stream, meta, await companionFiles(f.model))
    const adapter = loraAdapterFromModules(pairs, { config: { init_lora_weights: 'loftq', loftq_config: { loftq_bits: f.bits, loftq_iter: f.iters } } as never })
    await unwrap(writePeftAdapterDir(adapterDir, adapter))
    progress.stop()
    let loss: { base: EvalReport; withAdapter: EvalReport } | undefined
    if (f.eval) loss = { base: await evalWithWeights(f.model, baseOnly, f.eval), withAdapter: await evalWithWeights(f.model, effective, f.eval) }
    const report = { out: f.out, method: 'loftq', bits: f.bits, rank: f.rank, iters: f.iters, modules: pairs.size, quantizedModel: baseDir, adapter: adapterDir, format: f.dense ? 'dense' : 'quant-nf4-v1', ...(loss ? { loss } : {}) }
    if (f.json) process.stdout.write(`${JSON.stringify(report)}\n`)
    else {
      process.stdout.write(`loftq: ${pairs.size} modules, rank ${f.rank}, ${f.iters} iteration(s)\nquantized model: ${baseDir}\nadapter: ${adapterDir}\n`)
      if (loss) process.stdout.write(`loss: NF4 base ${loss.base.loss.toFixed(4)}, NF4 base + LoftQ adapter ${loss.withAdapter.loss.toFixed(4)} nats (${f.eval})\n`)
    }
  } finally {
    progress.stop()
    await ckpt.close()
  }
}
