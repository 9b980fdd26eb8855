import t from 'tap'
import { dequantize, loftqInit, quantizeNf4 } from '../src/index.js'
import { frob2Diff, loftqRef, product, randMat, tinyLayer0 } from './helpers.js'

const PEFT_REL = 0.01 // same algorithm; NF4 rounding identical, SVD rounding differs

t.test('LoftQ: W ≈ deq(Q) + B·A better than NF4 alone, and more iterations do not hurt', async (t) => {
  const w = tinyLayer0().get('model.layers.0.self_attn.q_proj.weight')!
  const plain = frob2Diff(w, dequantize(quantizeNf4(w)))
  t.ok(Math.abs(plain - loftqRef.nf4_only) <= 1e-9 * plain, `NF4 alone ${plain} vs numpy ${loftqRef.nf4_only}`)
  const errs: number[] = []
  for (const iters of [1, 3]) {
    const { base, loraA, loraB, quantized } = loftqInit(w, { rank: 16, iters })
    t.same([loraA.shape, loraB.shape], [[16, 256], [256, 16]])
    t.same(Array.from(dequantize(quantized).data), Array.from(base.data), 'base is the dequantized NF4')
    const ba = product(loraB, loraA)
    const e = frob2Diff(w, { data: Float64Array.from(base.data, (v, i) => v + ba.data[i]!), shape: w.shape, stride: w.stride, offset: 0 })
    t.ok(e < plain, `iters ${iters}: ${e} < NF4 alone ${plain}`)
    const want = iters === 1 ? loftqRef.iters1 : loftqRef.iters3
    t.ok(Math.abs(e - want) <= PEFT_REL * want, `iters ${iters}: ${e} vs PEFT loftq_init (numpy) ${want}`)
    errs.push(e)
  }
  t.ok(errs[1]! <= errs[0]! * 1.01, `3 iterations ${errs[1]} vs 1 iteration ${errs[0]}`)
})

t.test('bad input', async (t) => {
  t.throws(() => loftqInit(randMat(8, 8, 1), { rank: 2, bits: 2 }), { _tag: 'InvalidArgument' })
  t.throws(() => loftqInit(randMat(8, 8, 1), { rank: 9 }), { _tag: 'InvalidArgument' })
  t.throws(() => loftqInit(randMat(8, 8, 1), { rank: 2, iters: 0 }), { _tag: 'InvalidArgument' })
})
