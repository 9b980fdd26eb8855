import t from 'tap'
import fc from 'fast-check'
import { packCodes, unpackCodes } from '../src/index.js'

t.test('unpack(pack(codes)) = codes for every width and order', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 8 }), fc.constantFrom('lsb-first' as const, 'msb-first' as const),
    fc.array(fc.nat(255), { maxLength: 70 }), (bits, order, raw) => {
      const codes = Uint8Array.from(raw, (v) => v & ((1 << bits) - 1))
      const packed = packCodes(codes, { bits, order })
      if (packed.length !== Math.ceil((codes.length * bits) / 8)) return false
      const back = unpackCodes(packed, { bits, order, count: codes.length })
      return back.every((v, i) => v === codes[i])
    }), { seed: 42 })
  t.same(Array.from(packCodes(Uint8Array.from([1, 15]), { bits: 4 })), [0xf1], 'lsb-first: first code in the low nibble')
  t.same(Array.from(packCodes(Uint8Array.from([1, 15]), { bits: 4, order: 'msb-first' })), [0x1f], 'msb-first: bitsandbytes layout')
  t.same(Array.from(packCodes(Uint8Array.from([1, 2, 3, 0]), { bits: 2 })), [0b00111001], 'PEFT NFQuantizer 2-bit layout (LIFO)')
  t.same(Array.from(packCodes(Uint8Array.from([7, 1, 2]), { bits: 3 })), [0b10001111, 0b0], '3-bit codes straddle bytes')
})

t.test('bad input is rejected', async (t) => {
  t.throws(() => packCodes(Uint8Array.from([16]), { bits: 4 }), { _tag: 'InvalidArgument' })
  t.throws(() => packCodes(Uint8Array.from([1]), { bits: 9 }), { _tag: 'InvalidArgument' })
  t.throws(() => unpackCodes(Uint8Array.from([1]), { bits: 4, count: 3 }), { _tag: 'InvalidArgument' })
})
