import { open } from 'node:fs/promises'
import type { ByteSource } from '../byteSource.js'

const MAX_READ = 1 << 30

/** A ByteSource over a file: positional reads (`pread`) into a fresh, unpooled buffer of exactly the length asked for,
 *  so each tensor's typed array starts at byte 0 of its own ArrayBuffer (aligned, zero-copy).
 *  @example const r = await openSafetensors(await fileSource('model.safetensors'))()
 *  @since 0.1.0  @category sources */
export const fileSource = async (path: string): Promise<ByteSource> => {
  const fh = await open(path, 'r')
  try {
    const { size } = await fh.stat()
    const readFully = async (buf: Uint8Array, offset: number): Promise<number> => {
      let done = 0
      while (done < buf.length) {
        const { bytesRead } = await fh.read(buf, done, Math.min(buf.length - done, MAX_READ), offset + done)
        if (bytesRead === 0) break
        done += bytesRead
      }
      return done
    }
    return {
      size,
      read: async (offset, length) => {
        const buf = Buffer.allocUnsafeSlow(length)
        const done = await readFully(buf, offset)
        return new Uint8Array(buf.buffer, buf.byteOffset, done)
      },
      readInto: async (offset, target) => {
        const done = await readFully(target, offset)
        return target.subarray(0, done)
      },
      close: () => fh.close(),
    }
  } catch (e) {
    await fh.close()
    throw e
  }
}
