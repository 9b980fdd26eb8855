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

t.test("kernel 'gemm' (blocks of decoded rows through @lr/svd's gemm) equals the reference", async (t) => {
  const w = randMat(33, 70, 3), x = randMat(5, 70, 4)
  // f32 accumulation over 70 products: each partial sum rounds once, |error| ≤ 70·2⁻²⁴·Σ|x·w| (plus the final rounding)
  const F32_REL_TOL = 71 * 2 ** -24
  for (const q of [quantizeNf4(w), quantizeIntK(w, { bits: 4, groupSize: 32 }), quantizeIntK(w, { bits: 3, groupSize: 7, isSymmetric: false })]) {
    const ref = quantizedMatmul(x, q), d = dequantize(q)
    for (const blockRows of [1, 7, 64]) {
      for (const [label, xx] of [['contiguous', x], ['column-major with offset', colMajorWithOffset(x)]] as const) {
        const y = quantizedMatmul(xx, q, { kernel: 'gemm', blockRows })
        let worst = 0
        for (let r = 0; r < 5; r++) for (let o = 0; o < 33; o++) {
          let mag = 0
          for (let j = 0; j < 70; j++) mag += Math.abs(x.data[r * 70 + j]! * d.data[o * 70 + j]!)
          worst = Math.max(worst, Math.abs(ref.data[r * 33 + o]! - y.data[r * 33 + o]!) / (mag + 1e-30))
        }
        t.ok(worst <= F32_REL_TOL, `${q.format} blockRows ${blockRows} ${label}: relative error ${worst}`)
      }
    }
  }
  const x64 = matrix(Float64Array.from(x.data), 5, 70), q = quantizeNf4(w)
  const a = quantizedMatmul(x64, q), b = quantizedMatmul(x64, q, { kernel: 'gemm', blockRows: 8 })
  t.ok(b.data instanceof Float64Array, 'dtype follows x')
  let worst = 0
  for (let i = 0; i < a.data.length; i++) worst = Math.max(worst, Math.abs(a.data[i]! - b.data[i]!) / (Math.abs(a.data[i]!) + 1))
  t.ok(worst <= REL_TOL, `f64: ${worst}`)
  t.throws(() => quantizedMatmul(x, q, { kernel: 'gemm', blockRows: 0 }), { _tag: 'InvalidArgument' })
})
