import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { factorDelta, factorDeltaAsync, ModuleError, type FactorDeltaAsyncOptions, type FactorDeltaOptions } from '@lr/adapters'
import { isEmbeddingModule } from '@lr/adapters/node'
import { matrix, seededRng, transpose } from '@lr/svd'
import type { LoraEntry, SavedEntry } from './adapterEntry.js'

/** Options of `extractLoraModule`.  @since 0.1.0  @category stages */
export interface ExtractLoraModuleOptions extends Omit<FactorDeltaOptions, 'rng'> {
  /** Seed of the randomized SVD's sketch; one generator serves the modules in stream order, as
   *  `extractLoraFromCheckpoints` does (so a stage value is for one run). @default 0 */
  readonly seed?: number
  /** Which modules are input-embedding tables (PEFT embedding LoRA, ΔWᵀ factored). @default @lr/adapters' isEmbeddingModule (embed_tokens, wte, …) */
  readonly isEmbedding?: (module: string) => boolean
  /** Run each randomized SVD's products on this operator (the GPU: `lr lora extract --device gpu`); the stage then
   *  returns a Promise. See @lr/adapters' `factorDeltaAsync`. @default none: `factorDelta` on the CPU */
  readonly operator?: FactorDeltaAsyncOptions['operator']
}

/** What `extractLoraModule` measured for one module (the `report` of its entry).  @since 0.1.0  @category stages */
export interface ExtractedModuleReport {
  readonly module: string
  readonly shape: readonly [number, number]
  readonly rank: number
  /** ‖ΔW‖_F. */
  readonly norm: number
  /** ‖ΔW − B·A‖_F / ‖ΔW‖_F. */
  readonly relativeError: number
  readonly kind: 'linear' | 'embedding'
}

/** A stage for `mapTensor` over deltas (`zipWith(…, subtractTensors)`): ΔW `<module>.weight` `[out, in]` → a LoRA
 *  entry by @lr/adapters' `factorDelta` (truncated SVD, Eckart–Young; exact below 2048², randomized above, kohya's
 *  dynamic-rank rules), scaling 1 — the same extraction as `lr lora extract` and `extractLoraFromCheckpoints`.
 *  An embedding table `[vocab, hidden]` gets PEFT's embedding LoRA: B `[hidden, r]`·A `[r, vocab]` ≈ ΔWᵀ.
 *  Throws `ModuleError` (rank-too-large) when a fixed rank exceeds min(out, in).
 *  @example pipe(readCheckpoint(base), select(/_proj\.weight$/), zipWith(readCheckpoint(tuned), (b, t) => subtractTensors(t, b)), mapTensor(extractLoraModule({ rank: 64 })), writeLoraAdapter('out'))
 *  @since 0.1.0  @category stages */
export const extractLoraModule = (opts: ExtractLoraModuleOptions) => {
  const rng = seededRng(opts.seed ?? 0)
  const { seed: _seed, isEmbedding: _isEmbedding, operator, ...factorOpts } = opts
  const isEmbedding = opts.isEmbedding ?? isEmbeddingModule
  return function extract(delta: NamedTensor): LoraEntry | Promise<LoraEntry> {
    const module = delta.name.replace(/\.weight$/, '')
    if (delta.shape.length !== 2) throw new ModuleError('not-a-matrix', module, `"${delta.name}" has shape [${delta.shape.join(', ')}]; only 2-D weights get a LoRA (carry it as a saved module instead)`)
    const [rows, cols] = delta.shape as [number, number]
    if ((opts.rule ?? { kind: 'fixed' }).kind === 'fixed' && opts.rank > Math.min(rows, cols))
      throw new ModuleError('rank-too-large', module, `rank ${opts.rank} > min(out, in) = ${Math.min(rows, cols)} for shape [${rows}, ${cols}]; use --rank ≤ ${Math.min(rows, cols)} or a dynamic rule (--energy), or leave this module out with --targets`)
    const kind = isEmbedding(module) ? 'embedding' as const : 'linear' as const
    const m = matrix(toFloat32(delta), rows, cols)
    const entry = (f: ReturnType<typeof factorDelta<Float32Array>>): LoraEntry => {
      const report: ExtractedModuleReport = { module, shape: [rows, cols], rank: f.rank, norm: f.norm, relativeError: f.relativeError, kind }
      return { type: 'lora', name: module, lora: { a: f.a, b: f.b, scaling: 1, kind }, report }
    }
    const input = kind === 'embedding' ? transpose(m) : m
    return operator ? factorDeltaAsync(input, { ...factorOpts, rng, operator }).then(entry) : entry(factorDelta(input, { ...factorOpts, rng }))
  }
}

/** A stage for `mapTensor`: a whole tensor (e.g. a tuned norm) → an entry the adapter carries as PEFT
 *  `modules_to_save`, decoded to f32.
 *  @example pipe(readCheckpoint(tuned), select('**.*norm.weight'), mapTensor(savedModule), writeLoraAdapter('out'))
 *  @since 0.1.0  @category stages */
export function savedModule(t: NamedTensor): SavedEntry {
  const data = toFloat32(t)
  return { type: 'saved', name: t.name, tensor: { name: t.name, shape: t.shape, data: data === t.data ? Float32Array.from(data) : data } }
}
