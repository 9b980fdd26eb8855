import t from 'tap'
import { calibratedError, covarianceEigen, dequantize, eoraCompensate, quantizeIntK, rankForRatio, svdCompress } from '../src/index.js'
import { calibCode, calibKey, compressRefAll, eoraModules, product, tinyLayer0 } from './helpers.js'

const REF_REL = 0.01
const sum = (a: { data: ArrayLike<number> }, b: { data: ArrayLike<number> }, shape: readonly [number, number]) =>
  ({ data: Float64Array.from({ length: shape[0] * shape[1] }, (_, i) => a.data[i]! + b.data[i]!), shape, stride: [shape[1], 1] as const, offset: 0 })

t.test('EoRA r = 16 after int4 matches numpy and lowers the calibrated error; also after SVD compression', async (t) => {
  for (const mod of eoraModules) {
    const ref = compressRefAll[mod]!
    const w = tinyLayer0().get(`${mod}.weight`)!, c = calibCode().get(calibKey(mod))!
    const q = dequantize(quantizeIntK(w, { bits: 4, groupSize: 128 }))
    const before = calibratedError(w, q, c)
    t.ok(Math.abs(before - ref.int4_cal) <= REF_REL * ref.int4_cal, `${mod}: int4 error ${before} vs numpy ${ref.int4_cal}`)
    const { b, a } = eoraCompensate(w, q, c, { rank: 16 })
    const after = calibratedError(w, sum(q, product(b, a), w.shape), c)
    t.ok(Math.abs(after - ref.int4_eora16_cal) <= REF_REL * ref.int4_eora16_cal, `${mod}: int4+EoRA ${after} vs numpy ${ref.int4_eora16_cal}`)
    t.ok(after < before, `${mod}: EoRA lowers the error`)
    const r = rankForRatio(w.shape[0], w.shape[1], 0.4)
    const s = svdCompress(w, { rank: r }), approx = product(s.u, s.v)
    const e2 = eoraCompensate(w, approx, c, { rank: 16 })
    t.ok(calibratedError(w, sum(approx, product(e2.b, e2.a), w.shape), c) < calibratedError(w, approx, c), `${mod}: after SVD`)
  }
})

t.test('bad input', async (t) => {
  const w = tinyLayer0().get('model.layers.0.self_attn.o_proj.weight')!, c = calibCode().get('model.layers.0.self_attn.o_proj')!
  t.throws(() => eoraCompensate(w, w, c, { rank: 300 }), { _tag: 'InvalidArgument' })
  t.throws(() => eoraCompensate(w, tinyLayer0().get('model.layers.0.self_attn.k_proj.weight')!, c, { rank: 4 }), { _tag: 'ShapeMismatch' })
})

t.test('a shared covarianceEigen gives the same branch as the covariance itself', async (t) => {
  const c = calibCode().get('model.layers.0.self_attn.q_proj')!, eig = covarianceEigen(c)
  for (const mod of ['model.layers.0.self_attn.k_proj', 'model.layers.0.self_attn.v_proj']) {
    const w = tinyLayer0().get(`${mod}.weight`)!, q = dequantize(quantizeIntK(w, { bits: 4, groupSize: 128 }))
    const x = eoraCompensate(w, q, eig, { rank: 8 }), y = eoraCompensate(w, q, c, { rank: 8 })
    t.same(Array.from(x.b.data), Array.from(y.b.data), mod)
  }
  t.throws(() => eoraCompensate(tinyLayer0().get('model.layers.0.mlp.down_proj.weight')!, tinyLayer0().get('model.layers.0.mlp.down_proj.weight')!, eig, { rank: 2 }), { _tag: 'ShapeMismatch' })
})
