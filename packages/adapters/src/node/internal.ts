import { open, rename, rm, mkdir, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { randomBytes } from 'node:crypto'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { AdapterFileError, type AdapterError } from '../errors.js'
import type { SafetensorsError } from '@lr/io-safetensors'
import type { SvdError } from '@lr/svd'

/** Errors of the adapter file and checkpoint functions.  @since 0.1.0  @category node */
export type AdapterIoError = AdapterError | SafetensorsError | SvdError

/** Runs a TaskEither inside an async body that is itself wrapped by TE.tryCatch: Left becomes a throw. */
export const run = async <L, R>(te: TE.TaskEither<L, R>): Promise<R> => {
  const r = await te()
  if (E.isLeft(r)) throw r.left
  return r.right
}

/** Keeps tagged errors (ours, io's, svd's) and turns anything else (fs errors) into AdapterFileError. */
export const toAdapterError = (file: string) => (e: unknown): AdapterIoError => {
  if (e instanceof Error && typeof (e as { _tag?: unknown })._tag === 'string') return e as AdapterIoError
  const err = e as NodeJS.ErrnoException
  const hint = err?.code === 'ENOENT' ? '; check the path' : err?.code === 'EACCES' ? '; check permissions' : err?.code === 'ENOSPC' ? '; free disk space' : ''
  return new AdapterFileError(file, `${err?.message ?? String(e)}${hint}`)
}

/** Writes a small text file atomically: temp file, fsync, rename. */
export const writeTextAtomic = async (path: string, text: string): Promise<void> => {
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  const fh = await open(tmp, 'wx')
  try {
    await fh.writeFile(text, 'utf8')
    await fh.sync()
  } finally {
    await fh.close()
  }
  try { await rename(tmp, path) } catch (e) { await rm(tmp, { force: true }); throw e }
}

/** Builds a directory as `<dir>.partial/` with `build`, then renames it to `dir` (replacing it); removes the partial on failure. */
export const buildDir = async <A>(dir: string, build: (partial: string) => Promise<A>): Promise<A> => {
  const target = resolve(dir)
  const partial = `${target}.partial`
  await rm(partial, { recursive: true, force: true })
  await mkdir(dirname(target), { recursive: true })
  await mkdir(partial)
  try {
    const out = await build(partial)
    await rm(target, { recursive: true, force: true })
    await rename(partial, target)
    return out
  } catch (e) {
    await rm(partial, { recursive: true, force: true })
    throw e
  }
}

/** True when `path` is a directory. */
export const isDirectory = async (path: string): Promise<boolean> => {
  try { return (await stat(path)).isDirectory() } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw e
  }
}
