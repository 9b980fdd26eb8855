import t from 'tap'
import fc from 'fast-check'
import { resizeLora } from '../src/resize/resizeLora.js'
import { combineLoras } from '../src/combine/combineLoras.js'
import { residualToLora } from '../src/convert/residualToLora.js'
import { factorDelta } from '../src/extract/factorDelta.js'
import { fro, matmul, maxDiff, randomMat } from './helpers.js'
import { matrix, type Mat } from '@lr/svd'

const scaled = (m: Mat<Float64Array>, s: number): Mat<Float64Array> => matrix(m.data.map((x) => x * s), m.shape[0], m.shape[1])
const add = (x: Mat<Float64Array>, y: Mat<Float64Array>, s = 1): Mat<Float64Array> => matrix(x.data.map((v, i) => v + s * y.data[i]!), x.shape[0], x.shape[1])
/** f64 products of O(1) entries. */
const TOL = 1e-10

t.test('resizeLora equals the truncated SVD of the explicitly formed ΔW, keeps scaling', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 4, max: 16 }), fc.integer({ min: 4, max: 16 }), fc.integer({ min: 2, max: 4 }), fc.integer({ min: 1, max: 300 }), (m, n, r, seed) => {
    const a = randomMat(r, n, seed), b = randomMat(m, r, seed + 1)
    const l = { a, b, scaling: 1.7 }
    const k = r - 1
    const res = resizeLora(l, { rank: k })
    const dw = scaled(matmul(b, a), 1.7)
    const ref = factorDelta(dw, { rank: k })
    return res.scaling === 1.7 && res.rank === k && maxDiff(scaled(matmul(res.b, res.a), 1.7), matmul(ref.b, ref.a)) < TOL * fro(dw) &&
      Math.abs(res.relativeError - ref.relativeError) < 1e-9
  }), { seed: 42 })
  const full = resizeLora({ a: randomMat(3, 5, 1), b: randomMat(6, 3, 2), scaling: 2 }, { rank: 3 })
  t.ok(full.relativeError < 1e-12, 'same rank: exact')
})

t.test('combineLoras: weighted sum, exact at full rank, best approximation below', async (t) => {
  const l1 = { a: randomMat(3, 7, 1), b: randomMat(5, 3, 2), scaling: 2 }
  const l2 = { a: randomMat(2, 7, 3), b: randomMat(5, 2, 4), scaling: 0.5 }
  const dw = add(scaled(matmul(l1.b, l1.a), 0.7 * 2), scaled(matmul(l2.b, l2.a), 0.3 * 0.5))
  const exact = combineLoras([l1, l2], { weights: [0.7, 0.3] })
  t.equal(exact.rank, 5)
  t.ok(maxDiff(matmul(exact.b, exact.a), dw) < TOL)
  const cut = combineLoras([l1, l2], { weights: [0.7, 0.3], rank: 2 })
  t.ok(maxDiff(matmul(cut.b, cut.a), matmul(factorDelta(dw, { rank: 2 }).b, factorDelta(dw, { rank: 2 }).a)) < TOL)
  t.throws(() => combineLoras([l1, l2], { weights: [1] }), { _tag: 'InvalidArgument' })
  t.throws(() => combineLoras([l1, { a: randomMat(2, 6, 1), b: randomMat(5, 2, 1), scaling: 1 }]), { _tag: 'ShapeMismatch' })
})

t.test('residualToLora: ΔW = s′B′A′ − s₀B₀A₀ exactly, and truncated', async (t) => {
  const init = { a: randomMat(2, 6, 5), b: randomMat(4, 2, 6), scaling: 1 }
  const trained = { a: add(init.a as Mat<Float64Array>, randomMat(2, 6, 7), 0.1), b: add(init.b as Mat<Float64Array>, randomMat(4, 2, 8), 0.1), scaling: 1 }
  const dw = add(matmul(trained.b, trained.a), matmul(init.b, init.a), -1)
  const conv = residualToLora(trained, init)
  t.equal(conv.rank, 4)
  t.ok(maxDiff(scaled(matmul(conv.b, conv.a), conv.scaling), dw) < TOL)
  const cut = residualToLora(trained, init, { rank: 2 })
  t.ok(maxDiff(matmul(cut.b, cut.a), matmul(factorDelta(dw, { rank: 2 }).b, factorDelta(dw, { rank: 2 }).a)) < TOL)
})
