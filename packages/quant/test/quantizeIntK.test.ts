import t from 'tap'
import type tap from 'tap'
import fc from 'fast-check'
import { matrix } from '@lr/svd'
import { dequantize, quantizeIntK, unpackCodes } from '../src/index.js'
import { colMajorWithOffset, randMat, ref, refW, type RtnRef } from './helpers.js'

const checkRef = (t: typeof tap, r: RtnRef): void => {
  const q = quantizeIntK(refW(), { bits: r.bits, groupSize: r.groupSize, isSymmetric: r.isSymmetric })
  t.same(Array.from(q.scales), r.scales)
  t.same(Array.from(q.zeros), r.zeros)
  t.same(Array.from(unpackCodes(q.codes, { bits: r.bits, count: r.codes.length })), r.codes)
  t.same(Array.from(dequantize(q).data), r.dequant)
}
t.test('matches the numpy GPTQ-style RTN reference', async (t) => {
  checkRef(t, ref.int4_asym)
  checkRef(t, ref.int3_sym)
})

t.test('round trip is exact on representable values (dyadic scales)', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 8 }), fc.boolean(), fc.integer({ min: 1, max: 9 }), fc.integer({ min: -12, max: 4 }),
    fc.array(fc.nat(255), { minLength: 36, maxLength: 36 }), (bits, sym, g, e, raw) => {
      const s = 2 ** e, maxq = (1 << bits) - 1, half = 1 << (bits - 1)
      const rows = 4, cols = 9
      const data = new Float32Array(rows * cols)
      for (let i = 0; i < rows; i++) for (let gi = 0; gi * g < cols; gi++) {
        const j0 = gi * g, j1 = Math.min(cols, j0 + g)
        for (let j = j0; j < j1; j++) {
          const v = raw[i * cols + j]!
          data[i * cols + j] = sym ? ((v % (2 * half - 1)) - (half - 1)) * s : ((v % (maxq + 1)) - half) * s
        }
        // make the group reach its range end so the scale is exactly s
        data[i * cols + j0] = sym ? (half - 1) * s : -half * s
        if (!sym) data[i * cols + j1 - 1] = (maxq - half) * s
      }
      const back = dequantize(quantizeIntK(matrix(data, rows, cols), { bits, groupSize: g, isSymmetric: sym })).data
      return back.every((v, i) => v === data[i])
    }), { seed: 42 })
  t.ok(dequantize(quantizeIntK(matrix(new Float32Array(8), 2, 4), { bits: 4 })).data.every((v) => v === 0), 'zero group stays zero')
})

t.test('error bound |x − x̂| ≤ s/2 per group', async (t) => {
  for (const bits of [2, 3, 4, 8]) for (const isSymmetric of [true, false]) {
    const w = randMat(5, 130, bits, 0.1)
    const q = quantizeIntK(w, { bits, groupSize: 64, isSymmetric }), back = dequantize(q).data
    const gpr = Math.ceil(130 / 64)
    let worst = 0
    for (let i = 0; i < 5; i++) for (let j = 0; j < 130; j++) {
      const s = q.scales[i * gpr + Math.floor(j / 64)]!
      worst = Math.max(worst, Math.abs(back[i * 130 + j]! - w.data[i * 130 + j]!) / s)
    }
    t.ok(worst <= 0.5 + 1e-6, `bits ${bits} sym ${isSymmetric}: max error ${worst} scales`)
  }
})

t.test('strided input gives the same result', async (t) => {
  const w = randMat(7, 50, 9)
  const a = quantizeIntK(w, { bits: 5, groupSize: 16, isSymmetric: false }), b = quantizeIntK(colMajorWithOffset(w), { bits: 5, groupSize: 16, isSymmetric: false })
  t.same(Array.from(b.codes), Array.from(a.codes))
  t.same(Array.from(b.scales), Array.from(a.scales))
})

t.test('bad input', async (t) => {
  const w = matrix(new Float32Array(4), 2, 2)
  t.throws(() => quantizeIntK(w, { bits: 1 }), { _tag: 'InvalidArgument' })
  t.throws(() => quantizeIntK(w, { bits: 9 }), { _tag: 'InvalidArgument' })
  t.throws(() => quantizeIntK(w, { bits: 4, groupSize: 0 }), { _tag: 'InvalidArgument' })
  t.throws(() => quantizeIntK(matrix(Float32Array.from([Infinity, 0]), 1, 2), { bits: 4 }), { _tag: 'NotFinite' })
})
