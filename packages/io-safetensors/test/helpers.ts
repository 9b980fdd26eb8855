import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'

export const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))

/** Unwraps an Either, throwing its Left (so t.throws can match the tag and rule). */
export const unwrap = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left
  return e.right
}

/** A file: 8-byte little-endian length, the header text (as given, no padding), then the data bytes. */
export const craft = (header: string | object, data: Uint8Array | number = 0): Uint8Array => {
  const text = typeof header === 'string' ? header : JSON.stringify(header)
  const h = new TextEncoder().encode(text)
  const d = typeof data === 'number' ? new Uint8Array(data) : data
  const out = new Uint8Array(8 + h.length + d.length)
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true)
  out.set(h, 8)
  out.set(d, 8 + h.length)
  return out
}
