// Internal machinery of the Node writers: positional writes into pre-laid-out files, spooling of streams whose
// specs are unknown, crash-safe finishing (fsync + rename).
import { randomBytes } from 'node:crypto'
import { open, rm, type FileHandle } from 'node:fs/promises'
import { SafetensorsError } from '../errors.js'
import { checkSpec, checkTensorData, type FileLayout, type PlannedTensor, type TensorSpec } from '../internal/layout.js'
import { bytesOf, viewAs } from '../internal/tensorData.js'
import type { NamedTensor } from '../types.js'

export type TensorStream = Iterable<NamedTensor> | AsyncIterable<NamedTensor>

const MAX_IO = 1 << 30

export const writeAll = async (fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> => {
  let done = 0
  while (done < bytes.length) {
    const { bytesWritten } = await fh.write(bytes, done, Math.min(bytes.length - done, MAX_IO), position + done)
    done += bytesWritten
  }
}

const readAll = async (fh: FileHandle, length: number, position: number, file: string): Promise<Uint8Array> => {
  const buf = Buffer.allocUnsafeSlow(length)
  let done = 0
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, Math.min(length - done, MAX_IO), position + done)
    if (bytesRead === 0) throw new SafetensorsError('io-error', file, undefined, `spool file ended after ${done} of ${length} bytes`)
    done += bytesRead
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, length)
}

/** `<path>.tmp-<pid>-<random>`: the name a file is written under before its rename. */
export const tmpName = (path: string): string => `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`

/** Best-effort close during cleanup after a primary error (which is what the caller reports). */
export const closeQuietly = async (fh: FileHandle | undefined): Promise<void> => {
  if (fh) await fh.close().catch(() => undefined) // the primary error is already being reported
}

/** fsync a directory so a rename inside it survives a power loss. */
export const syncDir = async (dir: string): Promise<void> => {
  const fh = await open(dir, 'r')
  try { await fh.sync() } finally { await fh.close() }
}

export interface OutFile { readonly fh: FileHandle; readonly layout: FileLayout; readonly file: string }

const sameShape = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((d, i) => d === b[i])

/** Writes each file's header, then each arriving tensor at its planned offset (any arrival order); checks every
 *  announced tensor arrived exactly once, with the announced dtype and shape. */
export const fill = async (files: readonly OutFile[], tensors: TensorStream): Promise<void> => {
  const where = new Map<string, { out: OutFile; p: PlannedTensor }>()
  for (const out of files) for (const p of out.layout.tensors) where.set(p.spec.name, { out, p })
  for (const out of files) await writeAll(out.fh, out.layout.prefix, 0)
  const written = new Set<string>()
  for await (const t of tensors) {
    const w = where.get(t?.name)
    const file = w?.out.file ?? files[0]?.file ?? '<none>'
    if (!w) throw new SafetensorsError('spec-mismatch', file, t?.name, 'the tensor was not announced in the specs; add it to specs')
    if (written.has(t.name)) throw new SafetensorsError('duplicate-tensor', file, t.name, 'the stream yields this tensor twice')
    if (t.dtype !== w.p.spec.dtype || !sameShape(t.shape, w.p.spec.shape)) {
      throw new SafetensorsError('spec-mismatch', file, t.name, `announced ${w.p.spec.dtype} [${w.p.spec.shape.join(', ')}], got ${t.dtype} [${t.shape.join(', ')}]`)
    }
    checkTensorData(t, file)
    await writeAll(w.out.fh, bytesOf(t.data), w.p.byteOffset)
    written.add(t.name)
  }
  for (const [name, w] of where) {
    if (!written.has(name)) throw new SafetensorsError('spec-mismatch', w.out.file, name, 'announced in the specs but never yielded by the stream')
  }
}

export interface Spool { readonly specs: readonly TensorSpec[]; replay(): AsyncIterable<NamedTensor>; cleanup(): Promise<void> }

/** Streams tensors of unknown specs into a scratch file (bounded memory), to be replayed once the header can be built. */
export const spool = async (tensors: TensorStream, spoolPath: string, file: string): Promise<Spool> => {
  const fh = await open(spoolPath, 'wx+')
  const entries: { spec: TensorSpec; pos: number; len: number }[] = []
  const cleanup = async () => { await closeQuietly(fh); await rm(spoolPath, { force: true }) }
  try {
    const seen = new Set<string>()
    let pos = 0
    for await (const t of tensors) {
      checkSpec(t, file)
      checkTensorData(t, file)
      if (seen.has(t.name)) throw new SafetensorsError('duplicate-tensor', file, t.name, 'the stream yields this tensor twice')
      seen.add(t.name)
      const bytes = bytesOf(t.data)
      await writeAll(fh, bytes, pos)
      entries.push({ spec: { name: t.name, dtype: t.dtype, shape: [...t.shape] }, pos, len: bytes.length })
      pos += bytes.length
    }
  } catch (e) {
    await cleanup()
    throw e
  }
  return {
    specs: entries.map((e) => e.spec),
    async *replay() {
      for (const e of entries) yield { ...e.spec, data: viewAs(e.spec.dtype, await readAll(fh, e.len, e.pos, spoolPath)) }
    },
    cleanup,
  }
}
