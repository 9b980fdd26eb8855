// Shared plumbing of the commands that rewrite a model's linear layers one tensor at a time (compress, quantize, lora init loftq).
import { readFile, readdir, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import type { Dtype, NamedTensor } from '@lr/io-safetensors'
import { openCheckpoint, writeCheckpoint, type Checkpoint } from '@lr/io-safetensors/node'
import { covarianceEigen, covarianceKeyFor, MissingStatistics, type CovarianceEigen } from '@lr/quant'
import { matrix, type Mat } from '@lr/svd'

/** Runs a TaskEither and throws its Left (a tagged error), as the CLI runtime expects. */
export const unwrap = async <A>(te: TE.TaskEither<unknown, A>): Promise<A> => {
  const r = await te()
  if (E.isLeft(r)) throw r.left
  return r.right
}

export const open = (path: string): Promise<Checkpoint> => unwrap(openCheckpoint(path))

/** The float dtype a rewritten tensor keeps: its own when F32/F16/BF16, else F32. */
export const outDtypeOf = (d: Dtype): 'F32' | 'F16' | 'BF16' => (d === 'F16' || d === 'BF16' ? d : 'F32')

/** The files next to the weights that a complete model directory needs (config, generation config, tokenizer).
 *  Deliberately not folded into `companionFiles.ts` (lr convert, lr quantize fairy2i): that one copies every plain
 *  file of a checkpoint directory and nothing for a single .safetensors file, while compress / quantize / lora init
 *  loftq must also take config.json from the directory of a single-file input (their output is a model that
 *  `lr eval` loads, which needs it) and must not sweep unrelated files lying next to such a file into the model. */
export const companionFiles = async (modelPath: string): Promise<Record<string, Uint8Array>> => {
  const dir = (await stat(modelPath)).isDirectory() ? modelPath : dirname(modelPath)
  const out: Record<string, Uint8Array> = {}
  for (const f of await readdir(dir)) {
    if (f === 'config.json' || f === 'generation_config.json' || f.startsWith('tokenizer') || f === 'special_tokens_map.json' || f === 'vocab.json' || f === 'merges.txt')
      out[f] = await readFile(join(dir, f))
  }
  return out
}

/** Reads Σ x·xᵀ matrices from a calibration file on demand, keeping the last few (q/k/v share one). */
export class CovarianceSource {
  private readonly cache = new Map<string, Mat<Float32Array>>()
  private constructor(readonly ckpt: Checkpoint, private readonly keys: Set<string>) {}
  static async open(path: string): Promise<CovarianceSource> {
    const c = await open(path)
    return new CovarianceSource(c, new Set(c.tensors.map((t) => t.name)))
  }
  /** The key for a module, or MissingStatistics; checks the shape [in, in]. */
  keyFor(module: string, inDim: number): string {
    const k = covarianceKeyFor(module, this.keys)
    if (k === undefined) throw new MissingStatistics(this.ckpt.path, module, `no Σ x·xᵀ for this module (nor for a sibling sharing its input); recompute the calibration file for this model`)
    const info = this.ckpt.tensors.find((t) => t.name === k)!
    if (info.shape.length !== 2 || info.shape[0] !== inDim || info.shape[1] !== inDim)
      throw new MissingStatistics(this.ckpt.path, module, `"${k}" has shape [${info.shape.join(', ')}], the layer's input needs [${inDim}, ${inDim}]; the calibration file belongs to another model`)
    return k
  }
  async get(module: string, inDim: number): Promise<Mat<Float32Array>> {
    const k = this.keyFor(module, inDim)
    let m = this.cache.get(k)
    if (!m) {
      m = matrix(await unwrap(this.ckpt.readFloat32(k)), inDim, inDim)
      if (this.cache.size >= 2) this.cache.delete(this.cache.keys().next().value!)
      this.cache.set(k, m)
    }
    return m
  }
  private readonly eigCache = new Map<string, CovarianceEigen>()
  /** The eigendecomposition of a module's Σ x·xᵀ (for EoRA), computed once per input (q/k/v, gate/up share it). */
  async eigen(module: string, inDim: number): Promise<CovarianceEigen> {
    const k = this.keyFor(module, inDim)
    let e = this.eigCache.get(k)
    if (!e) {
      e = covarianceEigen(await this.get(module, inDim))
      if (this.eigCache.size >= 2) this.eigCache.delete(this.eigCache.keys().next().value!)
      this.eigCache.set(k, e)
    }
    return e
  }
  close(): Promise<void> { return this.ckpt.close() }
}

/** Writes a model directory from a stream whose specs are known up front. An error thrown by the stream (a tagged
 *  math error) is re-thrown as itself; the directory is built as `<dir>.partial` and removed on failure. */
export const writeModel = async (dir: string, specs: readonly { name: string; dtype: Dtype; shape: readonly number[] }[],
  stream: () => AsyncGenerator<NamedTensor>, metadata: Record<string, string>, extraFiles: Record<string, Uint8Array>): Promise<void> => {
  let failure: unknown
  async function* guarded(): AsyncGenerator<NamedTensor> {
    try { yield* stream() } catch (e) { failure = e; throw e }
  }
  const r = await writeCheckpoint(dir, guarded(), { specs, metadata, extraFiles })()
  if (E.isLeft(r)) throw failure ?? r.left
}

/** Dense row-major product a·b (+ c·d) as f32. */
export const denseProduct = (a: Mat, b: Mat, extra?: { readonly a: Mat; readonly b: Mat }): Float32Array => {
  const m = a.shape[0], n = b.shape[1], out = new Float64Array(m * n)
  const add = (x: Mat, y: Mat): void => {
    const r = x.shape[1]
    for (let i = 0; i < m; i++) for (let t = 0; t < r; t++) {
      const v = x.data[x.offset + i * x.stride[0] + t * x.stride[1]]!
      if (v === 0) continue
      const yo = y.offset + t * y.stride[0], o = i * n
      for (let j = 0; j < n; j++) out[o + j] += v * y.data[yo + j * y.stride[1]]!
    }
  }
  add(a, b)
  if (extra) add(extra.a, extra.b)
  return Float32Array.from(out)
}

/** Parses a positive integer flag or throws a usage error naming it. */
export const intFlag = (UsageErrorCtor: new (m: string) => Error, flag: string, v: string | undefined, lo: number, hi = Number.MAX_SAFE_INTEGER): number | undefined => {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isInteger(n) || n < lo || n > hi) throw new UsageErrorCtor(`${flag} must be an integer in [${lo}, ${hi === Number.MAX_SAFE_INTEGER ? '∞' : hi}], got "${v}"`)
  return n
}
