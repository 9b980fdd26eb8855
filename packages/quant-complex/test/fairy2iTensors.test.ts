import t from 'tap'
import { fairy2iQuantize, toFairy2iTensors, fromFairy2iTensors, fairy2iLayerNames, readFairy2iLayer, fairy2iMetadata, FAIRY2I_FORMAT, type TensorLike } from '../src/index.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import * as E from 'fp-ts/lib/Either.js'
import { gaussian, rowMajor } from './helpers.js'

t.test('toFairy2iTensors → fromFairy2iTensors gives the codes and scales exactly', async (t) => {
  const p = fairy2iQuantize(rowMajor(gaussian(12 * 18, 1), 12, 18), { stages: 3 })
  const ts = toFairy2iTensors('model.layers.0.mlp.up_proj.weight', p)
  t.same(ts.map((x) => [x.name, x.dtype, x.shape]), [
    ['model.layers.0.mlp.up_proj.weight_fairy2i_codes', 'U8', [3, 2, 6, 3]],
    ['model.layers.0.mlp.up_proj.weight_fairy2i_scales', 'F32', [3, 2, 2]],
    ['model.layers.0.mlp.up_proj.weight_fairy2i_shape', 'I32', [2]],
  ])
  const byName = new Map<string, TensorLike>(ts.map((x) => [x.name, x]))
  const back = fromFairy2iTensors('model.layers.0.mlp.up_proj.weight', (k) => byName.get(k))
  t.same([back.rows, back.cols], [12, 18])
  back.stages.forEach((s, i) => {
    t.same(Array.from(s.u.codes), Array.from(p.stages[i]!.u.codes))
    t.same(Array.from(s.w.codes), Array.from(p.stages[i]!.w.codes))
    t.same([s.u.scaleRe, s.u.scaleIm, s.w.scaleRe, s.w.scaleIm], [p.stages[i]!.u.scaleRe, p.stages[i]!.u.scaleIm, p.stages[i]!.w.scaleRe, p.stages[i]!.w.scaleIm])
  })
  t.same(fairy2iLayerNames(['a.weight', ...ts.map((x) => x.name)]), ['model.layers.0.mlp.up_proj.weight'])
  t.equal(fairy2iMetadata(3)['lr_format'], FAIRY2I_FORMAT)
  const src = { readTensor: (k: string) => (byName.has(k) ? TE.right(byName.get(k)!) : TE.left(new Error(`no ${k}`))) }
  const viaSource = await readFairy2iLayer(src, 'model.layers.0.mlp.up_proj.weight')()
  t.ok(E.isRight(viaSource) && viaSource.right.stages.length === 3)
  const missing = await readFairy2iLayer(src, 'nope.weight')()
  t.ok(E.isLeft(missing))
})

t.test('malformed tensors are named errors', async (t) => {
  const p = fairy2iQuantize(rowMajor(gaussian(16, 2), 4, 4))
  const ts = toFairy2iTensors('w', p)
  const get = (over: Partial<Record<string, TensorLike | undefined>>) => (k: string): TensorLike | undefined => (k in over ? over[k] : ts.find((x) => x.name === k))
  t.throws(() => fromFairy2iTensors('w', get({ w_fairy2i_scales: undefined })), { _tag: 'Fairy2iFormatError', rule: 'missing-tensor', tensor: 'w_fairy2i_scales' })
  t.throws(() => fromFairy2iTensors('w', get({ w_fairy2i_codes: { ...ts[0]!, dtype: 'I8' } })), { _tag: 'Fairy2iFormatError', rule: 'wrong-dtype' })
  t.throws(() => fromFairy2iTensors('w', get({ w_fairy2i_codes: { ...ts[0]!, shape: [2, 2, 1, 1] } })), { _tag: 'Fairy2iFormatError', rule: 'wrong-shape' })
  t.throws(() => fromFairy2iTensors('w', get({ w_fairy2i_scales: { ...ts[1]!, data: new Float32Array([1, 1, NaN, 1]) } })), { _tag: 'Fairy2iFormatError', rule: 'bad-scale' })
})
