// The shared driver of `lr quantize int4 | nf4 | svdquant`: a pipeline readCheckpoint → mapTensor → writeCheckpoint
// (@lr/pipeline), one linear layer at a time, packed output (or --dense), optional EoRA branch, progress rendered here.
import { pipe } from 'fp-ts/lib/function.js'
import type { NamedTensor, TensorSpec } from '@lr/io-safetensors'
import { fromFloat32, toFloat32 } from '@lr/io-safetensors'
import { mapTensor } from '@lr/pipeline'
import { readCheckpoint, readCheckpointInfo, writeCheckpoint } from '@lr/pipeline/node'
import { calibratedError, eoraCompensate, isLinearWeight } from '@lr/quant'
import { InvalidArgument, matrix, type Mat } from '@lr/svd'
import { progressReporter } from './runtime.js'
import { companionFiles, CovarianceSource, denseProduct, outDtypeOf } from './modelSurgery.js'
import { unwrap } from './modelSurgery.js'
import { evalHook, evalWithWeights, type EvalReport } from './evalHook.js'

/** What a method makes of one linear layer: the tensors that store it and the f32 weight it applies. */
export interface QuantizedLayer { readonly tensors: readonly NamedTensor[]; readonly effective: Float32Array }
export interface QuantizeMethod {
  readonly name: string
  /** `lr_format` of the packed checkpoint and its `lr_quant` JSON parameters. */
  readonly format: string
  readonly params: Record<string, unknown>
  readonly needsCalib: boolean
  /** Checks a layer's shape before anything is written (throws InvalidArgument naming the tensor). */
  check(name: string, out: number, inDim: number): void
  /** The tensor specs that store a layer (names, dtypes, shapes) — known before the data. */
  specs(module: string, out: number, inDim: number, dtype: 'F32' | 'F16' | 'BF16'): { name: string; dtype: NamedTensor['dtype']; shape: number[] }[]
  quantize(module: string, w: Mat<Float32Array>, dtype: 'F32' | 'F16' | 'BF16', cov: Mat<Float32Array> | undefined): QuantizedLayer
}

export interface QuantizeFlags { out: string; dense?: boolean; eval?: string; json?: boolean; calib?: string; eora?: number }

/** Values as stored in `dtype` (BF16/F16 rounding), so --eval sees exactly what is written. */
export const roundTo = (dtype: 'F32' | 'F16' | 'BF16', name: string, shape: number[], data: Float32Array): { tensor: NamedTensor; values: Float32Array } => {
  const tensor = fromFloat32(name, shape, data, dtype)
  return { tensor, values: dtype === 'F32' ? data : toFloat32(tensor) }
}

export const runQuantize = async (model: string, method: QuantizeMethod, f: QuantizeFlags): Promise<void> => {
  const progress = progressReporter({ isJson: Boolean(f.json) })
  const info = await unwrap(readCheckpointInfo(model))
  const calib = f.calib ? await CovarianceSource.open(f.calib) : undefined
  try {
    const linears = info.tensors.filter((t) => isLinearWeight(t.name, t.shape) && ['F32', 'F16', 'BF16', 'F64'].includes(t.dtype))
    if (linears.length === 0) throw new InvalidArgument(`quantize ${method.name}`, 'model', `${info.path} has no linear weights (2-D "….weight" outside embeddings, norms and lm_head)`)
    // validate everything before writing anything
    const plan = new Map<string, { module: string; out: number; inDim: number }>()
    for (const t of linears) {
      const [out, inDim] = t.shape as [number, number]
      const module = t.name.slice(0, -'.weight'.length)
      method.check(t.name, out, inDim)
      if (f.eora !== undefined && f.eora > Math.min(out, inDim)) throw new InvalidArgument(`quantize ${method.name}`, '--eora', `${f.eora} exceeds min(out, in) = ${Math.min(out, inDim)} of "${t.name}"`)
      if (calib) calib.keyFor(module, inDim)
      plan.set(t.name, { module, out, inDim })
    }
    const specs = info.tensors.flatMap((t): TensorSpec[] => {
      const p = plan.get(t.name)
      if (!p) return [{ name: t.name, dtype: t.dtype, shape: [...t.shape] }]
      const dt = outDtypeOf(t.dtype)
      if (f.dense) return [{ name: t.name, dtype: dt, shape: [...t.shape] }]
      const e = f.eora === undefined ? [] : [{ name: `${p.module}.weight_eora_b`, dtype: dt, shape: [p.out, f.eora] }, { name: `${p.module}.weight_eora_a`, dtype: dt, shape: [f.eora, p.inDim] }]
      return [...method.specs(p.module, p.out, p.inDim, dt), ...e]
    })
    const effective = new Map<string, Float32Array>()
    const layers: { name: string; shape: number[]; calibratedError?: number; calibratedErrorEora?: number }[] = []
    /** One tensor of the stream: a linear layer becomes its packed tensors (or its dense dequantized weight); the
     *  rest passes through unchanged. */
    const quantizeTensor = async (t: NamedTensor, name: string): Promise<NamedTensor | NamedTensor[]> => {
      const p = plan.get(name)
      if (!p) return t
      const dt = outDtypeOf(t.dtype)
      const w = matrix(toFloat32(t), p.out, p.inDim)
      const cov = calib ? await calib.get(p.module, p.inDim) : undefined
      const q = method.quantize(p.module, w, dt, cov)
      let eff = q.effective
      const entry: (typeof layers)[number] = { name, shape: [p.out, p.inDim] }
      const zero = matrix(new Float32Array(p.out * p.inDim), p.out, p.inDim)
      const norm = cov ? Math.max(calibratedError(w, zero, cov), Number.MIN_VALUE) : 1
      if (cov) entry.calibratedError = calibratedError(w, matrix(eff, p.out, p.inDim), cov) / norm
      const extra: NamedTensor[] = []
      if (f.eora !== undefined && cov) {
        const { b, a } = eoraCompensate(w, matrix(eff, p.out, p.inDim), await calib!.eigen(p.module, p.inDim), { rank: f.eora })
        const bb = roundTo(dt, `${p.module}.weight_eora_b`, [p.out, f.eora], b.data), aa = roundTo(dt, `${p.module}.weight_eora_a`, [f.eora, p.inDim], a.data)
        const ba = denseProduct(matrix(bb.values, p.out, f.eora), matrix(aa.values, f.eora, p.inDim))
        eff = Float32Array.from(eff, (v, i) => v + ba[i]!)
        entry.calibratedErrorEora = calibratedError(w, matrix(eff, p.out, p.inDim), cov) / norm
        extra.push(bb.tensor, aa.tensor)
      }
      layers.push(entry)
      if (f.eval && f.dense) effective.set(name, eff)
      return f.dense ? fromFloat32(name, [...t.shape], eff, dt) : [...q.tensors, ...extra]
    }
    const meta: Record<string, string> = f.dense ? { format: 'pt' }
      : { format: 'pt', lr_format: method.format, lr_quant: JSON.stringify({ ...method.params, ...(f.eora !== undefined ? { eoraRank: f.eora } : {}) }) }
    const stage = `quantize ${method.name}`
    // readCheckpoint → mapTensor(quantizeTensor) → writeCheckpoint (specs known up front: one tensor in memory at a time)
    await unwrap(pipe(readCheckpoint(model), mapTensor(quantizeTensor, { stage }),
      writeCheckpoint(f.out, { specs, metadata: meta, extraFiles: await companionFiles(model), label: stage, onProgress: (ev) => progress.update(ev) })))
    progress.stop()
    let loss: EvalReport | undefined
    // packed output: `lr eval`'s own path (packed layers through @lr/quant's quantized matmul, never densified);
    // --dense: the f32 weights the packed layers apply, before the BF16/F16 rounding of the dense copy
    if (f.eval) loss = f.dense ? await evalWithWeights(model, effective, f.eval) : await evalHook(f.out, f.eval)
    const report = { out: f.out, method: method.name, format: f.dense ? 'dense' : method.format, params: method.params, eora: f.eora ?? null, ...(loss ? { loss } : {}), layers }
    if (f.json) process.stdout.write(`${JSON.stringify(report)}\n`)
    else {
      process.stderr.write(`quantized ${layers.length} linear layers with ${method.name} → ${f.out}\n`)
      if (loss) process.stdout.write(`loss ${loss.loss.toFixed(4)} nats (${loss.tokens} tokens, ${f.eval})\n`)
    }
  } finally {
    progress.stop()
    await calib?.close()
  }
}
