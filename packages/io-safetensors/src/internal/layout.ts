import { DTYPES, DTYPE_BYTES, isDtype, type Dtype } from '../dtype.js'
import { SafetensorsError } from '../errors.js'
import { expectedArrayName, hasArrayType, numel } from './tensorData.js'
import type { NamedTensor } from '../types.js'

/** What a header needs to know about a tensor before its data exists.  */
export interface TensorSpec { readonly name: string; readonly dtype: Dtype; readonly shape: readonly number[] }

export interface PlannedTensor { readonly spec: TensorSpec; readonly byteOffset: number; readonly byteLength: number }
export interface FileLayout {
  /** 8-byte length + JSON header padded with spaces to a multiple of 8 (as the reference writer does). */
  readonly prefix: Uint8Array
  readonly tensors: readonly PlannedTensor[]
  readonly fileSize: number
}

const RANK = new Map<Dtype, number>(DTYPES.map((d, i) => [d, i]))

/** The reference writer's order: descending dtype alignment (Rust `Dtype` order, reversed), then name. */
export const referenceOrder = <T extends TensorSpec>(specs: readonly T[]): T[] =>
  [...specs].sort((a, b) => RANK.get(a.dtype)! - RANK.get(b.dtype)! || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))

export const specByteLength = (s: TensorSpec): number => numel(s.shape) * DTYPE_BYTES[s.dtype]

/** Checks a spec (name, dtype, shape) for a write. */
export const checkSpec = (s: TensorSpec, file: string): void => {
  const bad = (detail: string): never => { throw new SafetensorsError('invalid-tensor', file, typeof s?.name === 'string' ? s.name : undefined, detail) }
  if (typeof s?.name !== 'string' || s.name === '') bad(`tensor name ${JSON.stringify(s?.name)} must be a non-empty string`)
  if (s.name === '__metadata__') bad('"__metadata__" is reserved for the header metadata; rename the tensor')
  if (!isDtype(s.dtype)) bad(`dtype ${JSON.stringify(s.dtype)} is not one of ${DTYPES.join(' ')}`)
  if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) bad(`shape ${JSON.stringify(s.shape)} is not a list of non-negative integers`)
  if (!Number.isSafeInteger(specByteLength(s))) bad(`shape [${s.shape.join(', ')}] is too large`)
}

/** Checks a tensor's data against its dtype and shape. */
export const checkTensorData = (t: NamedTensor, file: string): void => {
  const want = expectedArrayName(t.dtype)
  const got = (t.data as { constructor?: { name?: string } })?.constructor?.name
  if (!hasArrayType(t.dtype, t.data)) throw new SafetensorsError('invalid-tensor', file, t.name, `${t.dtype} data must be a ${want}, got ${got ?? typeof t.data}`)
  if (t.data.length !== numel(t.shape)) throw new SafetensorsError('invalid-tensor', file, t.name, `shape [${t.shape.join(', ')}] holds ${numel(t.shape)} values, data has ${t.data.length}`)
}

export const checkMetadata = (metadata: Readonly<Record<string, string>> | undefined, file: string): void => {
  if (metadata === undefined) return
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new SafetensorsError('metadata-invalid', file, undefined, `metadata "${k}" is ${JSON.stringify(v)}, not a string; stringify it`)
  }
}

/** Lays out one file: specs in the reference order, contiguous offsets, the padded header. Throws on duplicate names. */
export const planFile = (specs: readonly TensorSpec[], metadata: Readonly<Record<string, string>> | undefined, file: string): FileLayout => {
  checkMetadata(metadata, file)
  const seen = new Set<string>()
  for (const s of specs) {
    checkSpec(s, file)
    if (seen.has(s.name)) throw new SafetensorsError('duplicate-tensor', file, s.name, 'two tensors have this name; rename one')
    seen.add(s.name)
  }
  const ordered = referenceOrder(specs)
  const header: Record<string, unknown> = {}
  if (metadata !== undefined && Object.keys(metadata).length > 0) header['__metadata__'] = metadata
  let begin = 0
  const entries: { spec: TensorSpec; begin: number; byteLength: number }[] = []
  for (const s of ordered) {
    const byteLength = specByteLength(s)
    Object.defineProperty(header, s.name, { value: { dtype: s.dtype, shape: [...s.shape], data_offsets: [begin, begin + byteLength] }, enumerable: true, writable: true, configurable: true })
    entries.push({ spec: s, begin, byteLength })
    begin += byteLength
  }
  const json = new TextEncoder().encode(JSON.stringify(header))
  const n = json.length + ((8 - (json.length % 8)) % 8)
  const prefix = new Uint8Array(8 + n).fill(0x20, 8 + json.length)
  new DataView(prefix.buffer).setBigUint64(0, BigInt(n), true)
  prefix.set(json, 8)
  return { prefix, tensors: entries.map((e) => ({ spec: e.spec, byteOffset: 8 + n + e.begin, byteLength: e.byteLength })), fileSize: 8 + n + begin }
}
