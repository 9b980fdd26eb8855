import { DTYPE_BYTES, isDtype } from '../dtype.js'
import { SafetensorsError } from '../errors.js'
import type { Header, TensorInfo } from '../types.js'

/** The reference crate's cap on the JSON header (safetensors `MAX_HEADER_SIZE`). */
export const MAX_HEADER_BYTES = 100_000_000

const fail = (rule: SafetensorsError['rule'], file: string, tensor: string | undefined, detail: string): never => {
  throw new SafetensorsError(rule, file, tensor, detail)
}

/** Reads N from the first 8 bytes and checks it against the cap and the file size before anything is allocated. */
export const readHeaderLength = (first8: Uint8Array, fileSize: number, file: string): number => {
  if (fileSize < 8 || first8.length < 8) fail('header-too-small', file, undefined, `the file has ${fileSize} bytes, fewer than the 8-byte header length; it is not a safetensors file or it is truncated`)
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true)
  if (n > BigInt(MAX_HEADER_BYTES)) fail('header-too-large', file, undefined, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte cap; the file is corrupt or not a safetensors file`)
  const len = Number(n)
  if (8 + len > fileSize) fail('header-length-out-of-bounds', file, undefined, `header length ${len} + 8 exceeds the file size ${fileSize}; the file is truncated, re-download it`)
  return len
}

/** Top-level keys of a JSON object text in order, duplicates included (JSON.parse silently keeps the last one). */
const topLevelKeys = (s: string): string[] => {
  const keys: string[] = []
  let depth = 0
  let expectKey = false
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 0x22) {
      let j = i + 1
      for (;;) {
        const d = s.charCodeAt(j)
        if (d === 0x5c) j += 2
        else if (d === 0x22 || Number.isNaN(d)) break
        else j++
      }
      if (depth === 1 && expectKey) { keys.push(JSON.parse(s.slice(i, j + 1)) as string); expectKey = false }
      i = j
    } else if (c === 0x7b || c === 0x5b) { depth++; if (depth === 1) expectKey = c === 0x7b }
    else if (c === 0x7d || c === 0x5d) depth--
    else if (c === 0x2c && depth === 1) expectKey = true
  }
  return keys
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isIndex = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

/** Parses and validates the N header bytes of a file of `fileSize` bytes, like the Rust crate's `read_metadata` + `validate`. */
export const parseHeaderBytes = (headerBytes: Uint8Array, fileSize: number, file: string): Header => {
  const headerLength = headerBytes.length
  const dataSize = fileSize - 8 - headerLength
  let text = ''
  try { text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes) } catch {
    fail('header-not-utf8', file, undefined, 'the JSON header is not valid UTF-8; the file is corrupt, re-export it')
  }
  if (text.charCodeAt(0) !== 0x7b) fail('header-invalid-start', file, undefined, `the header starts with ${JSON.stringify(text.slice(0, 8))}, not "{"; this is not a safetensors file`)
  let json: unknown
  try { json = JSON.parse(text) } catch (e) {
    fail('header-not-json', file, undefined, `the header is not valid JSON (${(e as Error).message}); the file is corrupt, re-export it`)
  }
  if (!isPlainObject(json)) return fail('header-not-json', file, undefined, 'the header JSON is not an object of tensors; this is not a safetensors file')
  const names = Object.keys(json)
  const scanned = topLevelKeys(text)
  if (scanned.length !== names.length) {
    const seen = new Set<string>()
    for (const k of scanned) { if (seen.has(k)) fail('duplicate-tensor', file, k, `the header lists "${k}" more than once; the file is corrupt, re-export it`); seen.add(k) }
  }
  let metadata: Record<string, string> = {}
  const tensors: TensorInfo[] = []
  const ends: number[] = []
  for (const name of names) {
    const entry = json[name]
    if (name === '__metadata__') {
      if (!isPlainObject(entry)) return fail('metadata-invalid', file, undefined, '__metadata__ must be an object of string → string')
      const pairs = Object.entries(entry)
      for (const [k, v] of pairs) if (typeof v !== 'string') fail('metadata-invalid', file, undefined, `__metadata__ value of "${k}" is ${JSON.stringify(v)}, not a string`)
      metadata = Object.fromEntries(pairs) as Record<string, string>
      continue
    }
    if (!isPlainObject(entry)) return fail('tensor-entry-invalid', file, name, `the entry is ${JSON.stringify(entry)}, not { dtype, shape, data_offsets }`)
    const { dtype, shape, data_offsets: offsets } = entry
    if (dtype === undefined || shape === undefined || offsets === undefined) fail('tensor-entry-invalid', file, name, `the entry lacks ${['dtype', 'shape', 'data_offsets'].filter((k) => entry[k] === undefined).join(', ')}`)
    if (!isDtype(dtype)) return fail('unknown-dtype', file, name, `dtype ${JSON.stringify(dtype)} is not one of F64 F32 F16 BF16 F8_E4M3 F8_E5M2 I64 I32 I16 I8 U64 U32 U16 U8 BOOL`)
    if (!Array.isArray(shape) || !shape.every(isIndex)) return fail('invalid-shape', file, name, `shape ${JSON.stringify(shape)} is not a list of non-negative integers`)
    let count = 1
    for (const d of shape as number[]) count *= d
    if (!Number.isSafeInteger(count * DTYPE_BYTES[dtype])) fail('invalid-shape', file, name, `shape [${shape.join(', ')}] holds more bytes than any file can (overflow)`)
    if (!Array.isArray(offsets) || offsets.length !== 2 || !isIndex(offsets[0]) || !isIndex(offsets[1]) || offsets[0] > offsets[1]) {
      return fail('invalid-offsets', file, name, `data_offsets ${JSON.stringify(offsets)} is not [begin, end] with 0 ≤ begin ≤ end`)
    }
    const [begin, end] = offsets as [number, number]
    const byteLength = count * DTYPE_BYTES[dtype]
    if (end - begin !== byteLength) fail('byte-length-mismatch', file, name, `data_offsets [${begin}, ${end}) hold ${end - begin} bytes, but ${dtype} [${shape.join(', ')}] needs ${byteLength}; the file is corrupt, re-export it`)
    if (end > dataSize) fail('offsets-out-of-bounds', file, name, `data_offsets [${begin}, ${end}) end after the data section (${dataSize} bytes); the file is truncated, re-download it`)
    tensors.push({ name, dtype, shape: shape as number[], byteOffset: 8 + headerLength + begin, byteLength })
    ends.push(end)
  }
  const order = tensors.map((_, i) => i).sort((a, b) => tensors[a]!.byteOffset - tensors[b]!.byteOffset || ends[a]! - ends[b]!)
  let cursor = 0
  let prev: string | undefined
  const base = 8 + headerLength
  for (const i of order) {
    const t = tensors[i]!
    const begin = t.byteOffset - base
    if (begin > cursor) fail('offsets-gap', file, t.name, `data_offsets start at ${begin}, leaving a gap [${cursor}, ${begin}) after ${prev ? `"${prev}"` : 'the header'}; the file is corrupt, re-export it`)
    if (begin < cursor) fail('offsets-overlap', file, t.name, `[${begin}, ${ends[i]}) overlaps "${prev}" which ends at ${cursor}; the file is corrupt, re-export it`)
    cursor = ends[i]!
    prev = t.name
  }
  if (cursor !== dataSize) fail('data-incomplete', file, undefined, `the tensors cover ${cursor} of the ${dataSize} data bytes; the file has trailing bytes or lost a tensor, re-export it`)
  return { tensors: order.map((i) => tensors[i]!), metadata, headerLength, fileSize }
}

/** Runs `f`, turning a thrown SafetensorsError into a value; anything else is a bug and propagates. */
export const catchSafetensors = <A>(f: () => A): { ok: true; value: A } | { ok: false; error: SafetensorsError } => {
  try { return { ok: true, value: f() } } catch (e) {
    if (e instanceof SafetensorsError) return { ok: false, error: e }
    throw e
  }
}
