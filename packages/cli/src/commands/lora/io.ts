import { join } from 'node:path'
import type { LoraAdapter } from '@lr/adapters'
import { writePeftAdapterDir, writeKohyaFile } from '@lr/adapters/node'
import { unwrap } from '../lora.js'

/** Writes an adapter in the chosen format; kohya goes to OUT if it ends in .safetensors, else OUT/lora.safetensors. */
export const writeAdapter = async (out: string, adapter: LoraAdapter, format: 'peft' | 'kohya', dtype: 'F32' | 'BF16' | 'F16'): Promise<string> =>
  format === 'peft'
    ? (await unwrap(writePeftAdapterDir(out, adapter, { dtype }))).dir
    : (await unwrap(writeKohyaFile(out.endsWith('.safetensors') ? out : join(out, 'lora.safetensors'), adapter, { dtype }))).file

/** The linear-module names of a checkpoint, for exact kohya name mapping. */
export { linearModules } from '@lr/adapters/node'
