import t from 'tap'
import fc from 'fast-check'
import { matrix, transpose } from '@lr/svd'
import { NF4_CODEBOOK, dequantize, quantizeNf4 } from '../src/index.js'
import { colMajorWithOffset, randMat, ref, refW } from './helpers.js'

t.test('matches the numpy re-implementation of bitsandbytes quantize_4bit(nf4, blocksize=64)', async (t) => {
  const q = quantizeNf4(refW())
  t.same(Array.from(q.absmax), ref.nf4.absmax)
  t.same(Array.from(q.codes), ref.nf4.packed)
  t.same(Array.from(dequantize(q).data), ref.nf4.dequant)
})

t.test('round trip is exact on representable values (levels × block absmax)', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.nat(15), { minLength: 64 * 5, maxLength: 64 * 5 }),
    fc.array(fc.double({ min: 1e-3, max: 1e3, noNaN: true }), { minLength: 5, maxLength: 5 }), (nb, idx, amax) => {
      const data = new Float32Array(nb * 64)
      for (let b = 0; b < nb; b++) {
        const a = Math.fround(amax[b]!)
        for (let e = 0; e < 64; e++) data[b * 64 + e] = Math.fround(NF4_CODEBOOK[idx[b * 64 + e]!]! * a)
        data[b * 64] = a // the block's absmax is reached
      }
      const w = matrix(data, nb * 2, 32)
      const back = dequantize(quantizeNf4(w)).data
      return back.every((v, i) => v === data[i])
    }), { seed: 42 })
  t.ok(true === (dequantize(quantizeNf4(matrix(new Float32Array(64), 1, 64))).data.every((v) => v === 0)), 'zero block stays zero')
})

t.test('error bound: |x − x̂| ≤ absmax·(largest half-gap of the codebook)', async (t) => {
  let maxGap = 0
  for (let i = 1; i < 16; i++) maxGap = Math.max(maxGap, NF4_CODEBOOK[i]! - NF4_CODEBOOK[i - 1]!)
  const HALF_GAP = maxGap / 2 + 2 ** -23 // + f32 rounding of the product
  const w = randMat(8, 200, 3)
  const q = quantizeNf4(w), back = dequantize(q).data
  for (let e = 0; e < w.data.length; e++) {
    const a = q.absmax[Math.floor(e / 64)]!
    if (Math.abs(back[e]! - w.data[e]!) > HALF_GAP * a) { t.fail(`element ${e}: ${w.data[e]} → ${back[e]}`); return }
  }
  t.equal(q.absmax.length, Math.ceil(1600 / 64), 'partial last block')
})

t.test('strided views give the same bits as a contiguous copy', async (t) => {
  const w = refW()
  const a = quantizeNf4(w), b = quantizeNf4(colMajorWithOffset(w))
  t.same(Array.from(b.codes), Array.from(a.codes))
  t.same(Array.from(b.absmax), Array.from(a.absmax))
  const tt = quantizeNf4(transpose(transpose(w)))
  t.same(Array.from(tt.codes), Array.from(a.codes))
})

t.test('bad input', async (t) => {
  t.throws(() => quantizeNf4(matrix(Float32Array.from([1, NaN]), 1, 2)), { _tag: 'NotFinite' })
  t.throws(() => quantizeNf4(matrix(new Float32Array(4), 2, 2), { blockSize: 0 }), { _tag: 'InvalidArgument' })
})
