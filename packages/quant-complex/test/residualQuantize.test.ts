import t from 'tap'
import { residualQuantize, phaseQuantize } from '../src/index.js'
import { gaussian, relFrobenius } from './helpers.js'

t.test('stage t quantizes the residual of stages < t; W_q = Σ q_t', async (t) => {
  const re = gaussian(500, 3), im = gaussian(500, 4)
  const q = residualQuantize(re, im, { stages: 3 })
  t.equal(q.stages.length, 3)
  const first = phaseQuantize(re, im)
  t.same(Array.from(q.stages[0]!.codes), Array.from(first.codes))
  const r1re = new Float32Array(500), r1im = new Float32Array(500)
  for (let k = 0; k < 500; k++) {
    const c = first.codes[k]!
    r1re[k] = re[k]! - (c === 0 ? first.scaleRe : c === 2 ? -first.scaleRe : 0)
    r1im[k] = im[k]! - (c === 1 ? first.scaleIm : c === 3 ? -first.scaleIm : 0)
  }
  const second = phaseQuantize(r1re, r1im)
  t.same(Array.from(q.stages[1]!.codes), Array.from(second.codes))
  t.equal(q.stages[1]!.scaleRe, second.scaleRe)
  // more stages never increase the error (on this draw; each stage removes a positive amount in expectation)
  const both = (a: Float32Array, b: Float32Array): number[] => [...a, ...b]
  const errs = [1, 2, 3, 4].map((s) => { const r = residualQuantize(re, im, { stages: s }); return relFrobenius(both(re, im), both(r.re, r.im)) })
  for (let i = 1; i < errs.length; i++) t.ok(errs[i]! < errs[i - 1]!, `T=${i + 1} error ${errs[i]} < T=${i} error ${errs[i - 1]}`)
})

t.test('stages outside 1…8 are rejected, naming the tensor', async (t) => {
  const z = new Float32Array(2)
  for (const s of [0, 9, 1.5, -1, NaN]) t.throws(() => residualQuantize(z, z, { stages: s, name: 'mlp.up' }), { _tag: 'InvalidArgument', argument: 'stages' })
  t.equal(residualQuantize(z, z).stages.length, 2, 'default T = 2')
})
