import { readdir, readFile, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { INDEX_NAME } from '@lr/io-safetensors/node'

/** The small non-weight files of a model directory (config.json, generation_config.json, tokenizer files, …),
 *  for `writeCheckpoint`'s `extraFiles`, so that an output model directory is complete.
 *  @example const extraFiles = await modelSideFiles('base')
 *  @since 0.1.0  @category node */
export const modelSideFiles = async (modelPath: string): Promise<Record<string, Uint8Array>> => {
  const dir = (await stat(modelPath)).isDirectory() ? modelPath : dirname(modelPath)
  const out: Record<string, Uint8Array> = {}
  for (const name of await readdir(dir)) {
    if (name.endsWith('.safetensors') || name === INDEX_NAME || name.endsWith('.bin') || name.startsWith('.')) continue
    if (!/\.(json|txt|model|md|jinja|py|tiktoken)$/.test(name)) continue
    const p = join(dir, name)
    const st = await stat(p)
    if (!st.isFile() || st.size > 64 * 1024 * 1024) continue
    out[name] = new Uint8Array(await readFile(p))
  }
  return out
}
