import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import type { LrError } from '../lrError.js'
import { layerSpectrum, type LayerSpectrum } from '../spectrum/layerSpectrum.js'
import { mapTensor } from '../stream/mapTensor.js'
import { select, type NamePattern } from '../stream/select.js'
import { collect, type SinkOptions } from '../stream/sinks.js'
import { zipWith } from '../stream/zipWith.js'
import type { TensorStream } from '../stream/stream.js'
import { readCheckpoint } from './readCheckpoint.js'

/** Options of `checkpointSpectra`.  @since 0.1.0  @category spectrum */
export interface CheckpointSpectraOptions extends SinkOptions {
  /** A fine-tune of the model: spectra of ΔW = tuned − base instead of W. */
  readonly tuned?: string
  /** Tensors to analyse (2-D ones only). @default every `…layers.N.….weight` matrix */
  readonly select?: NamePattern
  /** Ranks at which to report the energy share. @default [16, 64] */
  readonly ranks?: readonly number[]
}

const DEFAULT_SELECT: NamePattern = /layers\.\d+\..*\.weight$/

/** Singular values, effective rank and energy-at-rank of every selected 2-D weight of a checkpoint (or of
 *  tuned − base), as a pipeline: `readCheckpoint → select → [zipWith base: subtract] → mapTensor(svd values) → collect`.
 *  @example const sp = await checkpointSpectra('examples/tinyllama-base', { tuned: 'examples/tinyllama-tuned' })()
 *  @since 0.1.0  @category spectrum */
export const checkpointSpectra = (model: string, opts: CheckpointSpectraOptions = {}): TE.TaskEither<LrError, LayerSpectrum[]> => {
  const ranks = opts.ranks ?? [16, 64]
  const pattern = opts.select ?? DEFAULT_SELECT
  const weights: TensorStream<{ name: string; shape: readonly number[]; data: Float32Array } | undefined> = opts.tuned === undefined
    ? pipe(readCheckpoint(model), select(pattern), mapTensor((t: NamedTensor) => (t.shape.length === 2 ? { name: t.name, shape: t.shape, data: toFloat32(t) } : undefined), { stage: 'decode' }))
    : pipe(readCheckpoint(opts.tuned), select(pattern), zipWith(readCheckpoint(model), (t: NamedTensor, b: NamedTensor) => {
      if (t.shape.length !== 2) return undefined
      if (b.shape.join() !== t.shape.join()) throw new RangeError(`shape [${t.shape}] in the tuned checkpoint vs [${b.shape}] in the base; they are not the same architecture`)
      const d = toFloat32(t), e = toFloat32(b)
      for (let i = 0; i < d.length; i++) d[i] = d[i]! - e[i]!
      return { name: t.name, shape: t.shape, data: d }
    }, { stage: 'delta', onMissing: 'fail' }))
  return pipe(
    weights,
    mapTensor((w) => (w === undefined ? undefined : layerSpectrum(w.name, w.data, [w.shape[0]!, w.shape[1]!], { ranks })), { stage: 'svd' }),
    collect({ label: opts.label ?? 'spectrum', ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) }),
    TE.map((xs) => xs.filter((x): x is LayerSpectrum => x !== undefined)),
  )
}
