import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { evaluateLoss } from '../src/eval/evaluateLoss.js'
import { loadLlama } from '../src/node/loadLlama.js'
import { TB, evalBytes, meta, refMean, F32_FORWARD_TOL } from './fixtures.js'

const ROWS = 6 // a subset per model keeps the suite fast; the full 64-row check runs once below

const load = async (dir: string, adapter?: string) => {
  const m = await loadLlama(dir, adapter ? { adapter } : {})()
  if (E.isLeft(m)) throw m.left
  return m.right
}

t.test('base on code: all 64 rows match torch f32 (meta.json eval_loss_f32_stored) within 1e-4', async (t) => {
  const model = await load(`${TB}/base`)
  const seen: number[] = []
  const r = await evaluateLoss(model, evalBytes('code'), { onProgress: (ev) => seen.push(ev.done) })()
  if (E.isLeft(r)) throw r.left
  t.equal(r.right.tokens, 64 * 256)
  t.ok(Math.abs(r.right.loss - meta.eval_loss_f32_stored.base.code) < F32_FORWARD_TOL, `loss ${r.right.loss} vs ${meta.eval_loss_f32_stored.base.code}`)
  t.same(seen, Array.from({ length: 64 }, (_, i) => i + 1), 'one progress event per row')
})

t.test('tuned (sharded) on prose: rows match the numpy f64 forward', async (t) => {
  const r = await evaluateLoss(await load(`${TB}/tuned_sharded`), evalBytes('prose', ROWS))()
  if (E.isLeft(r)) throw r.left
  t.ok(Math.abs(r.right.loss - refMean('tuned_prose', ROWS)) < F32_FORWARD_TOL, `loss ${r.right.loss} vs ${refMean('tuned_prose', ROWS)}`)
})

t.test('base + PEFT LoRA r16 (unmerged) on prose: rows match the numpy f64 forward', async (t) => {
  const r = await evaluateLoss(await load(`${TB}/base`, `${TB}/lora_r16_trained`), evalBytes('prose', ROWS))()
  if (E.isLeft(r)) throw r.left
  t.ok(Math.abs(r.right.loss - refMean('lora_prose', ROWS)) < F32_FORWARD_TOL, `loss ${r.right.loss} vs ${refMean('lora_prose', ROWS)}`)
  const base = await evaluateLoss(await load(`${TB}/base`), evalBytes('prose', ROWS))()
  if (E.isLeft(base)) throw base.left
  t.ok(base.right.loss - r.right.loss > 0.3, 'the adapter changes the prose loss (it is really applied)')
})

t.test('invalid data is a tagged error naming the source and the fix', async (t) => {
  const model = await load(`${TB}/base`)
  const r = await evaluateLoss(model, new Uint8Array(300), { source: 'x.u8' })()
  t.ok(E.isLeft(r) && r.left._tag === 'InvalidEvalData' && /x\.u8.*257-byte rows/.test(r.left.message))
  const long = await evaluateLoss(model, new Uint8Array(2 * 300), { rowBytes: 300 })()
  t.ok(E.isLeft(long) && /max_position_embeddings/.test(long.left.message))
})

t.test('loadLlama errors: missing model dir, missing adapter', async (t) => {
  const m = await loadLlama('/nonexistent/model')()
  t.ok(E.isLeft(m) && m.left._tag === 'PipelineIoError')
  const a = await loadLlama(`${TB}/base`, { adapter: '/nonexistent/adapter' })()
  t.ok(E.isLeft(a) && a.left._tag === 'PipelineIoError' && /adapter_config\.json/.test(a.left.message))
})
