import t from 'tap'
import { matrix, transpose } from '@lr/svd'
import { dequantize, quantizeIntK, quantizeNf4, quantizedMatmul } from '../src/index.js'
import { colMajorWithOffset, randMat } from './helpers.js'

// f64 accumulation against f64 accumulation of the same products: only summation order differs.
const REL_TOL = 1e-12

t.test('x·Ŵᵀ equals x·dequantize(q)ᵀ', async (t) => {
  const w = randMat(33, 70, 1), x = randMat(5, 70, 2)
  for (const q of [quantizeNf4(w), quantizeIntK(w, { bits: 4, groupSize: 32 }), quantizeIntK(w, { bits: 3, groupSize: 7, isSymmetric: false })]) {
    const y = quantizedMatmul(x, q), d = dequantize(q)
    let worst = 0
    for (let r = 0; r < 5; r++) for (let o = 0; o < 33; o++) {
      let acc = 0, mag = 0
      for (let j = 0; j < 70; j++) { acc += x.data[r * 70 + j]! * d.data[o * 70 + j]!; mag += Math.abs(x.data[r * 70 + j]! * d.data[o * 70 + j]!) }
      worst = Math.max(worst, Math.abs(Math.fround(acc) - y.data[r * 33 + o]!) / (mag + 1e-30))
    }
    t.ok(worst <= REL_TOL + 2 ** -24, `${q.format}: relative error ${worst}`)
    const ys = quantizedMatmul(colMajorWithOffset(x), q)
    t.same(Array.from(ys.data), Array.from(y.data), 'strided x gives the same bits')
  }
  const x64 = matrix(Float64Array.from(x.data), 5, 70)
  t.ok(quantizedMatmul(x64, quantizeNf4(w)).data instanceof Float64Array, 'dtype follows x')
})

t.test('shape mismatch', async (t) => {
  t.throws(() => quantizedMatmul(randMat(2, 3, 1), quantizeNf4(randMat(4, 4, 1))), { _tag: 'ShapeMismatch' })
  t.throws(() => quantizedMatmul(transpose(randMat(2, 4, 1)), quantizeNf4(randMat(4, 4, 1))), { _tag: 'ShapeMismatch' })
})
