import t from 'tap'
import fc from 'fast-check'
import { packCodes, unpackCodes, packedRowBytes } from '../src/index.js'
import { holds } from './helpers.js'

t.test('bit layout: 4 codes per byte, low bits first, rows padded with code 0', async (t) => {
  t.same(Array.from(packCodes(new Uint8Array([0, 1, 2, 3]), 1, 4)), [0b11_10_01_00])
  t.same(Array.from(packCodes(new Uint8Array([3, 3, 3, 3, 3, 1, 2]), 1, 7)), [0xff, 0b10_01_11])
  t.same(Array.from(packCodes(new Uint8Array([1, 2]), 2, 1)), [1, 2])
  t.equal(packedRowBytes(5), 2)
})

t.test('unpack(pack(codes)) = codes', async (t) => {
  holds(t, fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 13 }), fc.integer(), (n, m, seed) => {
    const codes = Uint8Array.from({ length: n * m }, (_, i) => ((seed >>> 0) * 31 + i * 7 + (i >> 2)) & 3)
    const packed = packCodes(codes, n, m)
    return packed.length === n * packedRowBytes(m) && unpackCodes(packed, n, m).every((c, i) => c === codes[i])
  }))
  t.throws(() => unpackCodes(new Uint8Array(3), 2, 8), { _tag: 'ShapeMismatch' })
  t.throws(() => packCodes(new Uint8Array(3), 2, 2), { _tag: 'ShapeMismatch' })
})
