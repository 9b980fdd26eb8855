import { SafetensorsError } from '../errors.js'

/** Wraps an unknown thrown value (from the OS or a caller's iterator) as an `io-error`, keeping SafetensorsErrors. */
export const toSafetensorsError = (file: string, tensor?: string) => (e: unknown): SafetensorsError => {
  if (e instanceof SafetensorsError) return e
  const err = e as { code?: string; message?: string }
  if (err?.code === 'ENOENT') return new SafetensorsError('not-found', file, tensor, `no such file or directory; check the path`)
  return new SafetensorsError('io-error', file, tensor, `${err?.code ? `${err.code}: ` : ''}${err?.message ?? String(e)}`)
}
