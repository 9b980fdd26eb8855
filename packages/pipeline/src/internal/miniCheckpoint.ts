// TEMPORARY: a minimal reader of F32/BF16/F16 safetensors (single file or HF sharded dir) used until
// @lr/io-safetensors' openCheckpoint is on main; then this file is deleted.
import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'

export interface MiniTensor { readonly name: string; readonly dtype: string; readonly shape: number[]; readonly data: Float32Array }
export interface MiniCheckpoint { readonly path: string; readonly metadata: Record<string, string>; readonly tensors: Map<string, MiniTensor> }

const decode = (raw: Buffer, dtype: string, count: number, file: string, name: string): Float32Array => {
  const data = new Float32Array(count)
  if (dtype === 'F32') for (let i = 0; i < count; i++) data[i] = raw.readFloatLE(i * 4)
  else if (dtype === 'BF16') { const u = new Uint32Array(data.buffer); for (let i = 0; i < count; i++) u[i] = raw.readUInt16LE(i * 2) << 16 }
  else if (dtype === 'F16') for (let i = 0; i < count; i++) {
    const h = raw.readUInt16LE(i * 2), e = (h >> 10) & 31, m = h & 1023, s = h & 0x8000 ? -1 : 1
    data[i] = e === 0 ? s * m * 2 ** -24 : e === 31 ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15)
  } else throw new Error(`${file}: tensor "${name}": dtype ${dtype} is not a float dtype`)
  return data
}

const readFileTensors = async (file: string, into: Map<string, MiniTensor>): Promise<Record<string, string>> => {
  const buf = await readFile(file)
  const n = Number(buf.readBigUInt64LE(0))
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>
  let metadata: Record<string, string> = {}
  for (const [name, v] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = v as Record<string, string>; continue }
    const info = v as { dtype: string; shape: number[]; data_offsets: [number, number] }
    const count = info.shape.reduce((x, y) => x * y, 1)
    into.set(name, { name, dtype: info.dtype, shape: info.shape, data: decode(buf.subarray(8 + n + info.data_offsets[0], 8 + n + info.data_offsets[1]), info.dtype, count, file, name) })
  }
  return metadata
}

export const readMiniCheckpoint = async (path: string): Promise<MiniCheckpoint> => {
  const tensors = new Map<string, MiniTensor>()
  const st = await stat(path)
  if (st.isFile()) return { path, metadata: await readFileTensors(path, tensors), tensors }
  let index: { weight_map: Record<string, string> } | undefined
  try { index = JSON.parse(await readFile(join(path, 'model.safetensors.index.json'), 'utf8')) } catch { index = undefined }
  if (!index) return { path, metadata: await readFileTensors(join(path, 'model.safetensors'), tensors), tensors }
  let metadata: Record<string, string> = {}
  for (const f of [...new Set(Object.values(index.weight_map))].sort()) metadata = { ...metadata, ...(await readFileTensors(join(path, f), tensors)) }
  return { path, metadata, tensors }
}
