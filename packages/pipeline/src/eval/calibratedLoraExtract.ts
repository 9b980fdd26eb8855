import { reducedRankRegression } from '@lr/adapters'
import { gemm, matrix, transpose } from '@lr/svd'
import { llamaForwardSteps, llamaModuleName, LLAMA_PROJECTIONS, type LlamaModel, type LinearCall } from './llama.js'
import { factoredLinear, type Linear } from './linear.js'
import type { ProgressEvent } from '../progress.js'

/** Options of `calibratedLoraExtract`.  @since 0.1.0  @category eval */
export interface CalibratedLoraExtractOptions {
  /** LoRA rank r of every calibrated module (capped at min(in, out)). */
  readonly rank: number
  /** Number of calibration rows in `calib` (each of calib.length / rows tokens). */
  readonly rows: number
  /** Modules to extract (`model.layers.{i}.{projection}` and/or `lm_head`). @default every projection and lm_head */
  readonly modules?: ReadonlySet<string>
  /** Called after each module with `{ stage: 'calibrate', done, total, item: module }`. */
  readonly onProgress?: (ev: ProgressEvent) => void
}

/** One calibrated module: ΔW ≈ B·A (scaling 1).  @since 0.1.0  @category eval */
export interface CalibratedModule {
  readonly module: string
  /** A `[r, in]` f32 row-major (PEFT lora_A.weight). */
  readonly a: Float32Array
  /** B `[out, r]` f32 row-major (PEFT lora_B.weight). */
  readonly b: Float32Array
  readonly rank: number
  readonly inFeatures: number
  readonly outFeatures: number
  /** Numerical rank of the inputs the module saw (≤ in). */
  readonly inputRank: number
  /** ‖X·(W_b + B·A)ᵀ − Y‖_F / ‖Y − X·W_bᵀ‖_F on the calibration tokens: the part of the output change left unmatched. */
  readonly relativeOutputError: number
}

const moduleOrder = (layers: number): string[] => {
  const out: string[] = []
  for (let l = 0; l < layers; l++) for (const p of LLAMA_PROJECTIONS) out.push(llamaModuleName(l, p))
  out.push('lm_head')
  return out
}
/** Modules that read the same input as an earlier one in the same layer (k, v read q's; up reads gate's). */
const inputGroup = (module: string): string => module.replace(/self_attn\.[kv]_proj$/, 'self_attn.q_proj').replace(/mlp\.up_proj$/, 'mlp.gate_proj')

const denseWeight = (lin: Linear, module: string, which: string): Float32Array => {
  if (lin.weight === undefined || lin.kind !== 'dense') throw new RangeError(`calibratedLoraExtract: ${which} ${module} is a ${lin.kind} layer; calibrated extraction needs dense weights (load the checkpoints without adapters or packing)`)
  return lin.weight
}

/**
 * Sequential calibrated LoRA extraction (output matching with error propagation, in forward order, as GPTQ /
 * SVD-LLM compress layer by layer): `start` is the model the adapter will be applied to before its linear LoRAs
 * (the base with the adapter's embedding LoRA and modules_to_save already in place), `tuned` the fine-tuned model,
 * `calib` token rows `[rows, length]` (bytes). Both models run the calibration rows in lockstep
 * (`llamaForwardSteps`); at each selected linear module, with X `[n, in]` = the inputs that module sees in the
 * *current* model (start with every earlier module already given its LoRA) and Y = the same module's outputs in the
 * tuned model (on the tuned model's own inputs X_t), it solves min over rank(M) ≤ r of ‖X(W_b + M)ᵀ − Y‖_F by
 * @lr/adapters' `reducedRankRegression` from XᵀX and XᵀT = (XᵀX_t)·W_tᵀ − (XᵀX)·W_bᵀ (f64 sums), then continues the
 * current model with W_b + B·A. Modules not selected keep start's layer. Memory: both models, one forward state per
 * row and model, and two `[in, in]` f64 statistics.
 * Returns the modules in forward order.
 * @example const mods = calibratedLoraExtract(start, tuned, sampleLlama(tuned), { rows: 64, rank: 64 })
 * @since 0.1.0  @category eval
 */
export const calibratedLoraExtract = (start: LlamaModel, tuned: LlamaModel, calib: Uint8Array, opts: CalibratedLoraExtractOptions): CalibratedModule[] => {
  const rows = opts.rows, T = calib.length / rows
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`calibratedLoraExtract: ${calib.length} calibration tokens are not ${rows} whole rows`)
  if (T > start.config.maxPositionEmbeddings) throw new RangeError(`calibratedLoraExtract: rows of ${T} tokens exceed max_position_embeddings ${start.config.maxPositionEmbeddings}`)
  if (start.layers.length !== tuned.layers.length || start.config.hiddenSize !== tuned.config.hiddenSize)
    throw new RangeError('calibratedLoraExtract: start and tuned are not the same architecture (layers / hidden size differ)')
  const order = moduleOrder(start.layers.length)
  const selected = opts.modules ?? new Set(order)
  const total = order.filter((m) => selected.has(m)).length
  const seqs = Array.from({ length: rows }, (_, i) => calib.subarray(i * T, (i + 1) * T))
  const cur = seqs.map((ids) => llamaForwardSteps(start, ids)), tun = seqs.map((ids) => llamaForwardSteps(tuned, ids))
  let sc = cur.map((g) => g.next()), st = tun.map((g) => g.next())
  const n = rows * T
  const out: CalibratedModule[] = []
  let stats: { group: string; gram: Float64Array; cross: Float64Array; inF: number } | undefined
  for (let idx = 0; ; idx++) {
    const s0 = sc[0]!
    if (s0.done) break
    const module = order[idx]!
    const calls = sc.map((s) => s.value as LinearCall), tcalls = st.map((s) => s.value as LinearCall)
    const ys = tcalls.map((c) => c.linear.apply(c.x, c.tokens))
    const lin = calls[0]!.linear
    if (selected.has(module)) {
      const inF = lin.inFeatures, outF = lin.outFeatures
      const wb = denseWeight(lin, module, 'start'), wt = denseWeight(tcalls[0]!.linear, module, 'tuned')
      const group = inputGroup(module)
      if (stats?.group !== group || stats.inF !== inF) {
        // XᵀX and XᵀX_t over all rows, in f64
        const gram = matrix(new Float64Array(inF * inF), inF, inF), cross = matrix(new Float64Array(inF * inF), inF, inF)
        for (let i = 0; i < rows; i++) {
          const x = matrix(Float64Array.from(calls[i]!.x.subarray(0, T * inF)), T, inF)
          const xt = matrix(Float64Array.from(tcalls[i]!.x.subarray(0, T * inF)), T, inF)
          gemm(transpose(x), x, { out: gram, beta: 1, checkFinite: false })
          gemm(transpose(x), xt, { out: cross, beta: 1, checkFinite: false })
        }
        stats = { group, gram: gram.data, cross: cross.data, inF }
      }
      // XᵀT = (XᵀX_t)·W_tᵀ − (XᵀX)·W_bᵀ   [in, out]
      const wtT = transpose(matrix(Float64Array.from(wt), outF, inF)), wbT = transpose(matrix(Float64Array.from(wb), outF, inF))
      const xtT = gemm(matrix(stats.cross, inF, inF), wtT, { checkFinite: false })
      gemm(matrix(stats.gram, inF, inF), wbT, { out: xtT, alpha: -1, beta: 1, checkFinite: false })
      const rr = reducedRankRegression(matrix(stats.gram, inF, inF), xtT, { rank: opts.rank, tokens: n })
      const delta = factoredLinear(rr.b.data, rr.a.data, { out: outF, in: inF, rank: rr.rank })
      let err = 0, ref = 0
      const ycs = calls.map((c, i) => {
        const yc = c.linear.apply(c.x, c.tokens), d = delta.apply(c.x, c.tokens), y = ys[i]!
        for (let j = 0; j < y.length; j++) { const dlt = y[j]! - yc[j]!; yc[j] = yc[j]! + d[j]!; const e = yc[j]! - y[j]!; err += e * e; ref += dlt * dlt }
        return yc
      })
      out.push({ module, a: rr.a.data, b: rr.b.data, rank: rr.rank, inFeatures: inF, outFeatures: outF, inputRank: rr.inputRank, relativeOutputError: ref === 0 ? 0 : Math.sqrt(err / ref) })
      opts.onProgress?.({ stage: 'calibrate', done: out.length, total, item: module })
      sc = cur.map((g, i) => g.next(ycs[i]!))
    } else {
      sc = cur.map((g, i) => g.next(calls[i]!.linear.apply(calls[i]!.x, calls[i]!.tokens)))
    }
    st = tun.map((g, i) => g.next(ys[i]!))
  }
  return out
}
