import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { openCheckpoint, writeSafetensors } from '@lr/io-safetensors/node'
import type { Float32Tensor, LoraAdapter } from '../adapter/loraAdapter.js'
import { parsePeftConfig, serializePeftConfig } from '../peft/peftConfig.js'
import { parsePeftAdapter } from '../peft/parsePeftAdapter.js'
import { peftAdapterTensors } from '../peft/peftAdapterTensors.js'
import { kohyaTensors, parseKohyaLora } from '../kohya/kohyaLora.js'
import { AdapterConfigError } from '../errors.js'
import { buildDir, isDirectory, run, toAdapterError, writeTextAtomic, type AdapterIoError } from './internal.js'

/** The file names of a PEFT adapter directory. */
export const PEFT_CONFIG_NAME = 'adapter_config.json'
export const PEFT_WEIGHTS_NAME = 'adapter_model.safetensors'

export type { AdapterIoError } from './internal.js'

/** Reads every tensor of one safetensors file decoded to f32, and its metadata. */
const readAllF32 = async (file: string): Promise<{ tensors: Float32Tensor[]; metadata: Readonly<Record<string, string>> }> => {
  const ckpt = await run(openCheckpoint(file))
  try {
    const tensors: Float32Tensor[] = []
    for (const t of ckpt.tensors) tensors.push({ name: t.name, shape: t.shape, data: await run(ckpt.readFloat32(t.name)) })
    return { tensors, metadata: ckpt.metadata }
  } finally {
    await ckpt.close()
  }
}

/**
 * Reads a PEFT LoRA adapter directory (`adapter_config.json` + `adapter_model.safetensors`, any float dtype)
 * into a `LoraAdapter` with f32 A `[r, in]` and B `[out, r]` per module and PEFT's scaling (r/alpha patterns,
 * rsLoRA). This is what `lr eval` uses to run an adapter unmerged: for each module, y += scaling·B·(A·x).
 * @example const adapter = await readPeftAdapterDir('lora_r16_trained')()
 * @since 0.1.0  @category node
 */
export const readPeftAdapterDir = (dir: string): TE.TaskEither<AdapterIoError, LoraAdapter<Float32Array>> =>
  TE.tryCatch(async () => {
    const configPath = join(dir, PEFT_CONFIG_NAME)
    const text = await readFile(configPath, 'utf8')
    const config = parsePeftConfig(text, configPath)
    const weights = join(dir, PEFT_WEIGHTS_NAME)
    const { tensors } = await readAllF32(weights)
    return parsePeftAdapter(config, tensors, weights)
  }, toAdapterError(dir))

/** Options of `writePeftAdapterDir`.  @since 0.1.0  @category node */
export interface WritePeftAdapterDirOptions {
  /** Storage dtype of A and B. @default 'F32' */
  readonly dtype?: 'F32' | 'F16' | 'BF16'
  /** Text of a README.md to put in the directory (PEFT writes a model card). @default none */
  readonly readme?: string
}

/**
 * Writes a PEFT adapter directory: `adapter_config.json` (every field PEFT writes, sorted, indent 2) and
 * `adapter_model.safetensors` (PEFT keys, `__metadata__ {format: pt}`). Built as `<dir>.partial/`, then
 * renamed over `dir`; nothing is left behind on failure.
 * @example await writePeftAdapterDir('out/lora', adapter)()
 * @since 0.1.0  @category node
 */
export const writePeftAdapterDir = (dir: string, adapter: LoraAdapter, opts: WritePeftAdapterDirOptions = {}): TE.TaskEither<AdapterIoError, { readonly dir: string; readonly bytes: number }> =>
  TE.tryCatch(() => buildDir(dir, async (partial) => {
    const tensors = peftAdapterTensors(adapter, { dtype: opts.dtype ?? 'F32' })
    const res = await run(writeSafetensors(join(partial, PEFT_WEIGHTS_NAME), tensors, { metadata: { format: 'pt' } }))
    await writeTextAtomic(join(partial, PEFT_CONFIG_NAME), serializePeftConfig(adapter.config))
    if (opts.readme !== undefined) await writeFile(join(partial, 'README.md'), opts.readme, 'utf8')
    return { dir, bytes: res.totalBytes }
  }), toAdapterError(dir))

/** Options of `readKohyaFile` and `readLoraAdapter`.  @since 0.1.0  @category node */
export interface ReadKohyaOptions {
  /** The base model's module names, to map kohya names exactly. @default the file's metadata, then heuristics */
  readonly modules?: Iterable<string>
}

/**
 * Reads a kohya sd-scripts LoRA `.safetensors` file (`lora_down`/`lora_up`/`alpha`) into a `LoraAdapter`.
 * @example const adapter = await readKohyaFile('lora.safetensors')()
 * @since 0.1.0  @category node
 */
export const readKohyaFile = (file: string, opts: ReadKohyaOptions = {}): TE.TaskEither<AdapterIoError, LoraAdapter<Float32Array>> =>
  TE.tryCatch(async () => {
    const { tensors, metadata } = await readAllF32(file)
    return parseKohyaLora(tensors, { file, metadata, ...(opts.modules !== undefined ? { modules: opts.modules } : {}) })
  }, toAdapterError(file))

/** Options of `writeKohyaFile`.  @since 0.1.0  @category node */
export interface WriteKohyaFileOptions {
  /** @default 'lora_te_' */
  readonly prefix?: string
  /** @default 'F32' */
  readonly dtype?: 'F32' | 'F16' | 'BF16'
}

/**
 * Writes a kohya sd-scripts LoRA file (`<name>.lora_down.weight`, `.lora_up.weight`, `.alpha` + `ss_*` metadata),
 * atomically (temp file, fsync, rename).
 * @example await writeKohyaFile('lora.safetensors', adapter)()
 * @since 0.1.0  @category node
 */
export const writeKohyaFile = (file: string, adapter: LoraAdapter, opts: WriteKohyaFileOptions = {}): TE.TaskEither<AdapterIoError, { readonly file: string; readonly bytes: number }> =>
  TE.tryCatch(async () => {
    const { tensors, metadata } = kohyaTensors(adapter, opts)
    const res = await run(writeSafetensors(file, tensors, { metadata }))
    return { file, bytes: res.totalBytes }
  }, toAdapterError(file))

/**
 * Reads an adapter in either format: a directory with `adapter_config.json` (PEFT), or a `.safetensors` file
 * (kohya). Anything else fails with `AdapterConfigError` naming the path and what was expected.
 * @example const { adapter, format } = await readLoraAdapter('out/lora')()
 * @since 0.1.0  @category node
 */
export const readLoraAdapter = (path: string, opts: ReadKohyaOptions = {}): TE.TaskEither<AdapterIoError, { readonly adapter: LoraAdapter<Float32Array>; readonly format: 'peft' | 'kohya' }> =>
  TE.tryCatch(async () => {
    if (await isDirectory(path)) return { adapter: await run(readPeftAdapterDir(path)), format: 'peft' as const }
    if (path.endsWith('.safetensors')) return { adapter: await run(readKohyaFile(path, opts)), format: 'kohya' as const }
    throw new AdapterConfigError('unsupported', path, undefined, 'expected a PEFT adapter directory (with adapter_config.json) or a kohya .safetensors file')
  }, toAdapterError(path))
