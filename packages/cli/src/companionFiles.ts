import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { INDEX_NAME } from '@lr/io-safetensors/node'

/** Files of a checkpoint directory that travel with the weights (config.json, tokenizer, generation_config.json, …):
 *  every plain file but the weights, the shard index and dotfiles. A single-file checkpoint has none. */
export const companionFiles = async (path: string): Promise<Record<string, Uint8Array>> => {
  if (!(await stat(path)).isDirectory()) return {}
  const out: Record<string, Uint8Array> = {}
  for (const name of await readdir(path)) {
    if (name.endsWith('.safetensors') || name === INDEX_NAME || name.startsWith('.')) continue
    const p = join(path, name)
    if ((await stat(p)).isFile()) out[name] = await readFile(p)
  }
  return out
}
