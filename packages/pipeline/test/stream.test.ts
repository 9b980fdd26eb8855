import t from 'tap'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { fromFloat32, toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { makeStream, fromTensors, type TensorStream } from '../src/stream/stream.js'
import { select } from '../src/stream/select.js'
import { mapTensor } from '../src/stream/mapTensor.js'
import { zipWith } from '../src/stream/zipWith.js'
import { groupByModule, splitModuleName } from '../src/stream/groupByModule.js'
import { collect, report } from '../src/stream/sinks.js'
import { readCheckpoint } from '../src/node/readCheckpoint.js'
import { writeCheckpoint } from '../src/node/writeCheckpoint.js'
import { EXAMPLES } from './fixtures.js'

const f32 = (name: string, values: number[]): NamedTensor => fromFloat32(name, [values.length], Float32Array.from(values), 'F32')
/** A stream that counts how often it was closed and which tensors were read. */
const tracked = (tensors: NamedTensor[]) => {
  const st = { closed: 0, read: [] as string[] }
  const s: TensorStream<NamedTensor> = makeStream(async () => ({
    items: tensors.map((x) => ({ name: x.name, load: async () => { st.read.push(x.name); return x } })),
    close: async () => { st.closed++ },
  }))
  return { s, st }
}
const right = <A>(e: E.Either<unknown, A>): A => { if (E.isLeft(e)) throw e.left; return e.right }

t.test('select: globs (dots are ordinary characters), regexes and predicates; unselected tensors are never read', async (t) => {
  const names = ['model.layers.0.self_attn.q_proj.weight', 'model.layers.0.mlp.up_proj.weight', 'model.layers.1.input_layernorm.weight', 'lm_head.weight']
  const { s, st } = tracked(names.map((n) => f32(n, [1])))
  const glob = right(await pipe(s, select('model.layers.*.*.*_proj.weight'), collect())())
  t.same(glob.map((x) => x.name), names.slice(0, 2))
  t.same(st.read, names.slice(0, 2), 'only the selected tensors were read')
  t.equal(st.closed, 1)
  t.same(right(await pipe(s, select(/_proj\.weight$|^lm_head/), collect())()).map((x) => x.name), [names[0], names[1], names[3]])
  t.same(right(await pipe(s, select('**.weight'), collect())()).length, 4)
  t.same(right(await pipe(s, select((n) => n.includes('norm')), collect())()).map((x) => x.name), [names[2]])
})

t.test('mapTensor transforms lazily; a throwing stage becomes StageFailed(stage, tensor, reason) and closes the source', async (t) => {
  const { s, st } = tracked([f32('a', [1, 2]), f32('b', [3, 4])])
  const doubled = right(await pipe(s, mapTensor((x: NamedTensor) => fromFloat32(x.name, x.shape, toFloat32(x).map((v) => 2 * v), 'F32'), { stage: 'double' }), collect())())
  t.same(doubled.map((x) => Array.from(x.data as Float32Array)), [[2, 4], [6, 8]])
  const failing = await pipe(s, mapTensor((x: NamedTensor) => { if (x.name === 'b') throw new RangeError('bad values'); return x }, { stage: 'check' }), collect())()
  t.ok(E.isLeft(failing))
  if (E.isLeft(failing)) {
    t.equal(failing.left._tag, 'StageFailed')
    t.match(failing.left, { stage: 'check', tensor: 'b', reason: 'bad values' })
    t.match(failing.left.message, /stage "check", tensor "b": bad values/)
  }
  t.equal(st.closed, 2, 'closed after success and after failure')
})

t.test('zipWith pairs by name, opens and closes both; a missing partner fails naming it, or is skipped', async (t) => {
  const a = tracked([f32('x', [5]), f32('y', [7])]), b = tracked([f32('y', [1]), f32('x', [2])])
  const diff = right(await pipe(a.s, zipWith(b.s, (p: NamedTensor, q: NamedTensor) => toFloat32(p)[0]! - toFloat32(q)[0]!), collect())())
  t.same(diff, [3, 6])
  t.equal(a.st.closed, 1); t.equal(b.st.closed, 1)
  const c = tracked([f32('x', [0])])
  const missing = await pipe(a.s, zipWith(c.s, () => 0), collect())()
  t.ok(E.isLeft(missing) && missing.left._tag === 'StageFailed' && (missing.left as { tensor?: string }).tensor === 'y')
  t.equal(c.st.closed, 1)
  t.same(right(await pipe(a.s, zipWith(c.s, () => 1, { onMissing: 'skip' }), collect())()), [1])
})

t.test('groupByModule groups a module\'s parameters (weights, biases, LoRA A/B)', async (t) => {
  t.same(splitModuleName('model.layers.0.mlp.up_proj.weight'), ['model.layers.0.mlp.up_proj', 'weight'])
  t.same(splitModuleName('base_model.model.model.layers.0.mlp.up_proj.lora_A.weight'), ['base_model.model.model.layers.0.mlp.up_proj', 'lora_A.weight'])
  const groups = right(await pipe(fromTensors([f32('m.q.weight', [1]), f32('m.k.weight', [2]), f32('m.q.bias', [3])]), groupByModule(), collect())())
  t.same(groups.map((g) => [g.module, Object.keys(g.tensors)]), [['m.q', ['weight', 'bias']], ['m.k', ['weight']]])
})

t.test('report and progress events: one event per element with its name', async (t) => {
  const events: unknown[] = []
  const r = right(await pipe(fromTensors([f32('a', [1, 2]), f32('b', [3])]), report((x: NamedTensor) => ({ numel: x.data.length }), { onProgress: (e) => events.push(e), label: 'sizes' }))())
  t.same(r.items, [{ name: 'a', numel: 2 }, { name: 'b', numel: 1 }])
  t.same(events, [{ stage: 'sizes', done: 1, total: 2, item: 'a' }, { stage: 'sizes', done: 2, total: 2, item: 'b' }])
})

t.test('readCheckpoint → writeCheckpoint round-trips a sharded checkpoint bit for bit', async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'lr-pipe-')), 'copy')
  const res = right(await pipe(readCheckpoint(`${EXAMPLES}/tinyllama-tuned`), writeCheckpoint(dir, { maxShardBytes: 2e6 }))())
  t.equal(res.tensors, 39)
  t.ok(readdirSync(dir).includes('model.safetensors.index.json'))
  const a = right(await pipe(readCheckpoint(`${EXAMPLES}/tinyllama-tuned`), collect())())
  const b = new Map(right(await pipe(readCheckpoint(dir), collect())()).map((x) => [x.name, x]))
  t.ok(a.every((x) => { const y = b.get(x.name)!; return y.dtype === x.dtype && Buffer.compare(Buffer.from(y.data.buffer, y.data.byteOffset, y.data.byteLength), Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength)) === 0 }))
})

t.test('a NaN mid-stream: error names stage, tensor and reason; no output directory, no .partial; sources closed', async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'lr-pipe-')), 'out')
  const { s, st } = tracked([f32('ok', [1]), f32('poisoned', [1, NaN]), f32('never', [2])])
  const r = await pipe(s, writeCheckpoint(dir))()
  t.ok(E.isLeft(r))
  if (E.isLeft(r)) t.match(r.left, { _tag: 'StageFailed', stage: 'write', tensor: 'poisoned' })
  t.notOk(existsSync(dir)); t.notOk(existsSync(`${dir}.partial`))
  t.equal(st.closed, 1)
  t.notOk(st.read.includes('never'), 'stopped at the failure')
  const thrown = await pipe(s, mapTensor((x: NamedTensor) => { if (x.name === 'poisoned') throw new Error('singular'); return x }, { stage: 'lowRank' }), writeCheckpoint(dir))()
  t.ok(E.isLeft(thrown) && thrown.left._tag === 'StageFailed' && (thrown.left as { stage: string }).stage === 'lowRank')
  t.notOk(existsSync(dir))
})

t.test('a missing checkpoint is a SafetensorsError naming the path', async (t) => {
  const r = await pipe(readCheckpoint('/nonexistent/ckpt'), collect())()
  t.ok(E.isLeft(r) && r.left._tag === 'SafetensorsError' && /nonexistent/.test(r.left.message))
})
