import * as TE from 'fp-ts/lib/TaskEither.js'
import { InvalidEvalData } from '../errors.js'
import type { ProgressEvent } from '../progress.js'
import { llamaLogits, llamaLogitsAsync, LLAMA_PROJECTIONS, type LlamaModel } from './llama.js'

/** Options of `evaluateLoss`.  @since 0.1.0  @category eval */
export interface EvaluateLossOptions {
  /** Bytes per row: each row predicts bytes 1..rowBytes-1 from the bytes before them.
   *  @default 257 (the 64 × 257 layout of the lr eval files) */
  readonly rowBytes?: number
  /** Name of the data in error messages. @default 'eval bytes' */
  readonly source?: string
  /** Called after each row with `{ stage: 'eval', done, total }`. */
  readonly onProgress?: (ev: ProgressEvent) => void
}

/** What `evaluateLoss` measured.  @since 0.1.0  @category eval */
export interface EvalResult {
  /** Mean next-byte cross-entropy in nats over every target. */
  readonly loss: number
  /** Number of predicted targets (rows × (rowBytes − 1)). */
  readonly tokens: number
  readonly rows: number
}

/** Mean next-byte cross-entropy (nats) of a byte-level Llama on `bytes`, split into rows of `rowBytes`:
 *  row r predicts byte t+1 from bytes ≤ t, loss = mean over rows × (rowBytes−1) targets of
 *  logsumexp(logits) − logit[target] (log-softmax in f64). Matches transformers' f32 forward to ~1e-5 nats
 *  on the tinyllama-bytes fixtures. Rows are evaluated one at a time (memory ∝ one row), yielding to the
 *  event loop between rows. Linears with an `applyAsync` (`withGpuLinears`: the GPU) are awaited.
 *  @example const r = await evaluateLoss(model, bytes, { rowBytes: 257 })()  // Either<InvalidEvalData, EvalResult>
 *  @since 0.1.0  @category eval */
export const evaluateLoss = (model: LlamaModel, bytes: Uint8Array, opts: EvaluateLossOptions = {}): TE.TaskEither<InvalidEvalData, EvalResult> => async () => {
  const rowBytes = opts.rowBytes ?? 257
  const src = opts.source ?? 'eval bytes'
  const V = model.config.vocabSize
  if (!Number.isInteger(rowBytes) || rowBytes < 2)
    return { _tag: 'Left', left: new InvalidEvalData(src, `rowBytes ${rowBytes} must be an integer ≥ 2`) }
  if (bytes.length === 0 || bytes.length % rowBytes !== 0)
    return { _tag: 'Left', left: new InvalidEvalData(src, `${bytes.length} bytes is not a whole number of ${rowBytes}-byte rows; pass the row length (rowBytes / --row-bytes)`) }
  if (rowBytes - 1 > model.config.maxPositionEmbeddings)
    return { _tag: 'Left', left: new InvalidEvalData(src, `rows of ${rowBytes} bytes need ${rowBytes - 1} positions, more than max_position_embeddings ${model.config.maxPositionEmbeddings}; use shorter rows`) }
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= V)
    return { _tag: 'Left', left: new InvalidEvalData(src, `byte ${bytes[i]} at offset ${i} is outside the model's vocabulary of ${V}; the model is not byte-level`) }
  const rows = bytes.length / rowBytes, T = rowBytes - 1
  // GPU layers (withGpuLinears) are awaited; a CPU-only model runs the synchronous forward
  const isAsync = model.lmHead.applyAsync !== undefined || model.layers.some((l) => LLAMA_PROJECTIONS.some((p) => l.linears[p].applyAsync !== undefined))
  let total = 0
  for (let r = 0; r < rows; r++) {
    const row = bytes.subarray(r * rowBytes, (r + 1) * rowBytes)
    const logits = isAsync ? await llamaLogitsAsync(model, row.subarray(0, T)) : llamaLogits(model, row.subarray(0, T))
    let rowSum = 0
    for (let t = 0; t < T; t++) {
      const o = t * V
      let mx = -Infinity
      for (let j = 0; j < V; j++) if (logits[o + j]! > mx) mx = logits[o + j]!
      let s = 0
      for (let j = 0; j < V; j++) s += Math.exp(logits[o + j]! - mx)
      rowSum += mx + Math.log(s) - logits[o + row[t + 1]!]!
    }
    total += rowSum
    opts.onProgress?.({ stage: 'eval', done: r + 1, total: rows })
    await new Promise<void>((resolve) => setTimeout(resolve, 0))
  }
  return { _tag: 'Right', right: { loss: total / (rows * T), tokens: rows * T, rows } }
}
