import { Fairy2iFormatError } from '../errors.js'
import { packedRowBytes } from '../packCodes.js'
import type { Fairy2iPacked } from '../fairy2iQuantize.js'

/** Checks a Fairy2iPacked's shape, stage count, code lengths and scales once, at a public boundary. */
export const assertPacked = (p: Fairy2iPacked, op: string, name = 'layer'): void => {
  if (!Number.isInteger(p.rows) || !Number.isInteger(p.cols) || p.rows <= 0 || p.cols <= 0 || p.rows % 2 !== 0 || p.cols % 2 !== 0) {
    throw new Fairy2iFormatError('wrong-shape', name, `${op}: shape [${p.rows}, ${p.cols}] must be positive and even`)
  }
  if (p.stages.length < 1 || p.stages.length > 8) throw new Fairy2iFormatError('wrong-shape', name, `${op}: ${p.stages.length} stages; expected 1…8`)
  const want = (p.rows / 2) * packedRowBytes(p.cols / 2)
  p.stages.forEach((s, t) => {
    for (const [which, c] of [['u', s.u], ['w', s.w]] as const) {
      if (!(c.codes instanceof Uint8Array) || c.codes.length !== want) {
        throw new Fairy2iFormatError('wrong-shape', name, `${op}: stage ${t} ${which} codes have ${c.codes.length} bytes; expected ${want}`)
      }
      if (!Number.isFinite(c.scaleRe) || !Number.isFinite(c.scaleIm)) {
        throw new Fairy2iFormatError('bad-scale', name, `${op}: stage ${t} ${which} scales (${c.scaleRe}, ${c.scaleIm}) must be finite`)
      }
    }
  })
}
