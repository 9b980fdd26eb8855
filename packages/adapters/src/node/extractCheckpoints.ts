import * as TE from 'fp-ts/lib/TaskEither.js'
import { openCheckpoint, type Checkpoint } from '@lr/io-safetensors/node'
import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { matrix, seededRng, transpose, InvalidArgument } from '@lr/svd'
import { ModuleError } from '../errors.js'
import { factorDelta, type FactorDeltaOptions } from '../extract/factorDelta.js'
import type { LoraAdapter } from '../adapter/loraAdapter.js'
import { loraAdapterFromModules } from '../adapter/loraAdapterFromModules.js'
import type { LoraPair } from '../types.js'
import type { OnProgress } from '../progress.js'
import { run, toAdapterError } from './internal.js'
import { isEmbeddingModule, linearModules, type Targets } from './modules.js'
import type { AdapterIoError } from './peftDir.js'

/** Options of `extractLoraFromCheckpoints`.  @since 0.1.0  @category node */
export interface ExtractFromCheckpointsOptions extends Omit<FactorDeltaOptions, 'rng'> {
  /** Which linear modules (PEFT target_modules semantics). @default 'all-linear' (no embeddings, no lm_head) */
  readonly targets?: Targets
  /** Seed of the randomized SVD. @default 0 */
  readonly seed?: number
  /** Progress sink. @default none */
  readonly onProgress?: OnProgress
  /** Base model name written to the adapter config. @default null */
  readonly baseModelName?: string | null
}

/** What extraction did for one module.  @since 0.1.0  @category node */
export interface ExtractedModule {
  readonly module: string
  readonly shape: readonly [number, number]
  readonly rank: number
  /** ‖ΔW‖_F. */
  readonly norm: number
  /** ‖ΔW − B·A‖_F / ‖ΔW‖_F. */
  readonly relativeError: number
}

/** Result of `extractLoraFromCheckpoints`.  @since 0.1.0  @category node */
export interface ExtractFromCheckpointsResult {
  readonly adapter: LoraAdapter<Float32Array>
  readonly modules: readonly ExtractedModule[]
  /** √(Σ ‖ΔW − B·A‖²) / √(Σ ‖ΔW‖²) over all modules. */
  readonly totalRelativeError: number
  /** Largest (base + tuned) module pair read, in stored bytes. */
  readonly largestPairBytes: number
}

/** out = sign·decode(t) (sign = −1: out = −t; sign = +1: out += t), decoding BF16/F32 on the fly (no f32 copy of t). */
const accumulate = (out: Float32Array, t: NamedTensor, sign: 1 | -1): void => {
  const n = out.length
  if (t.dtype === 'BF16') {
    const raw = t.data as Uint16Array
    const CHUNK = 1 << 16
    const chunk = new Uint32Array(CHUNK), cf = new Float32Array(chunk.buffer)
    for (let s = 0; s < n; s += CHUNK) {
      const len = Math.min(CHUNK, n - s)
      for (let j = 0; j < len; j++) chunk[j] = raw[s + j]! << 16
      if (sign < 0) for (let j = 0; j < len; j++) out[s + j] = -cf[j]!
      else for (let j = 0; j < len; j++) out[s + j] = out[s + j]! + cf[j]!
    }
    return
  }
  const f = t.dtype === 'F32' ? (t.data as Float32Array) : toFloat32(t)
  if (sign < 0) for (let i = 0; i < n; i++) out[i] = -f[i]!
  else for (let i = 0; i < n; i++) out[i] = out[i]! + f[i]!
}

/** A checkpoint's path and tensor list (an open `Checkpoint`, or headers read ahead). */
export interface CheckpointHeaders { readonly path: string; readonly tensors: readonly { readonly name: string; readonly shape: readonly number[] }[] }

/**
 * Checks, from headers only, that base and tuned have the same 2-D weights and the same shape for every selected
 * module, and that a fixed rank fits each (rank ≤ min(out, in)): what extraction checks before any SVD runs.
 * Throws `ModuleError` (extra-tensor, missing-tensor, shape-mismatch, rank-too-large) naming the module and the fix.
 * @example checkExtractPair(baseInfo, tunedInfo, linearModules(baseInfo.tensors), 16, true)
 * @since 0.1.0  @category node
 */
export const checkExtractPair = (base: CheckpointHeaders, tuned: CheckpointHeaders, modules: readonly { module: string }[], rank: number, isFixed: boolean): void => {
  const tunedByName = new Map(tuned.tensors.map((t) => [t.name, t]))
  const baseByName = new Map(base.tensors.map((t) => [t.name, t]))
  for (const t of tuned.tensors) if (t.name.endsWith('.weight') && t.shape.length === 2 && !baseByName.has(t.name))
    throw new ModuleError('extra-tensor', t.name.slice(0, -7), `${tuned.path} has "${t.name}" but ${base.path} does not; base and tuned must be the same architecture (pass matching checkpoints or restrict --targets)`)
  for (const { module } of modules) {
    const name = `${module}.weight`
    const b = baseByName.get(name)!, t = tunedByName.get(name)
    if (t === undefined) throw new ModuleError('missing-tensor', module, `${base.path} has "${name}" but ${tuned.path} does not; base and tuned must be the same architecture (or restrict --targets)`)
    if (b.shape[0] !== t.shape[0] || b.shape[1] !== t.shape[1])
      throw new ModuleError('shape-mismatch', module, `base is [${b.shape.join(', ')}] but tuned is [${t.shape.join(', ')}]; extract from checkpoints of the same architecture (resized vocabularies are not supported)`)
    const k = Math.min(b.shape[0]!, b.shape[1]!)
    if (isFixed && rank > k) throw new ModuleError('rank-too-large', module, `rank ${rank} > min(out, in) = ${k} for shape [${b.shape.join(', ')}]; use --rank ≤ ${k} or a dynamic rule (--energy), or leave this module out with --targets`)
  }
}

/**
 * Extracts a LoRA from two checkpoints (files, directories, or sharded directories): for each selected linear
 * module, ΔW = tuned − base (f32) → truncated SVD → (A, B), scaling 1; only one module pair is in memory at a
 * time (the two stored tensors and ΔW; exact SVD below 2048×2048, randomized above). Everything is checked
 * before any SVD runs: same tensor set, same shapes, rank ≤ min(out, in). Ranks differing between modules
 * (dynamic rules) go to `rank_pattern`/`alpha_pattern`, as mergekit.
 * @example const { adapter, totalRelativeError } = await extractLoraFromCheckpoints('base', 'tuned', { rank: 16 })()
 * @since 0.1.0  @category node
 */
export const extractLoraFromCheckpoints = (basePath: string, tunedPath: string, opts: ExtractFromCheckpointsOptions): TE.TaskEither<AdapterIoError, ExtractFromCheckpointsResult> =>
  TE.tryCatch(async () => {
    const base = await run(openCheckpoint(basePath))
    let tuned: Checkpoint | undefined
    try {
      tuned = await run(openCheckpoint(tunedPath))
      const modules = linearModules(base.tensors, opts.targets ?? 'all-linear')
      if (modules.length === 0) throw new InvalidArgument('extractLoraFromCheckpoints', 'targets', `no linear module of ${basePath} matches ${JSON.stringify(opts.targets ?? 'all-linear')}`)
      checkExtractPair(base, tuned, modules, opts.rank, (opts.rule ?? { kind: 'fixed' }).kind === 'fixed')
      const rng = seededRng(opts.seed ?? 0)
      const pairs = new Map<string, LoraPair<Float32Array> & { kind: 'linear' | 'embedding' }>()
      const report: ExtractedModule[] = []
      let errSq = 0, normSq = 0, largestPairBytes = 0
      for (const [i, { module, tensor }] of modules.entries()) {
        opts.onProgress?.({ stage: 'extract', done: i, total: modules.length, item: module })
        const [rows, cols] = tensor.shape as [number, number]
        // ΔW = tuned − base, one stored tensor alive at a time next to the f32 ΔW: peak ≈ f32 ΔW + the larger stored tensor.
        const delta = new Float32Array(rows * cols)
        accumulate(delta, await run(base.readTensor(tensor.name)), -1)
        accumulate(delta, await run(tuned.readTensor(tensor.name)), 1)
        largestPairBytes = Math.max(largestPairBytes, tensor.byteLength + tuned.tensors.find((x) => x.name === tensor.name)!.byteLength)
        // An embedding table [vocab, hidden] gets PEFT's embedding LoRA: B [hidden, r]·A [r, vocab] ≈ ΔWᵀ.
        const isEmbedding = isEmbeddingModule(module)
        const m = matrix(delta, rows, cols)
        const f = factorDelta(isEmbedding ? transpose(m) : m, { ...opts, rng })
        pairs.set(module, { a: f.a, b: f.b, scaling: 1, kind: isEmbedding ? 'embedding' : 'linear' })
        report.push({ module, shape: [rows, cols], rank: f.rank, norm: f.norm, relativeError: f.relativeError })
        errSq += (f.relativeError * f.norm) ** 2
        normSq += f.norm ** 2
      }
      opts.onProgress?.({ stage: 'extract', done: modules.length, total: modules.length })
      const adapter = loraAdapterFromModules(pairs, { config: { base_model_name_or_path: opts.baseModelName ?? null, task_type: 'CAUSAL_LM' } })
      return { adapter, modules: report, totalRelativeError: normSq === 0 ? 0 : Math.sqrt(errSq / normSq), largestPairBytes }
    } finally {
      await tuned?.close()
      await base.close()
    }
  }, toAdapterError(basePath))
