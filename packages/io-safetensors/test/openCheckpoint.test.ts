import { join } from 'node:path'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { toFloat32 } from '../src/index.js'
import { openCheckpoint, type Checkpoint } from '../src/node/index.js'
import { FIXTURES } from './helpers.js'

const open = async (p: string): Promise<Checkpoint> => {
  const r = await openCheckpoint(p)()
  if (E.isLeft(r)) throw r.left
  return r.right
}
const BASE = join(FIXTURES, 'tinyllama-bytes/base')
const TUNED = join(FIXTURES, 'tinyllama-bytes/tuned_sharded')
// 4 layers × 9 tensors + embed + norm + lm_head
const TENSORS = 4 * 9 + 3
const PARAMS = 3279104

t.test('tinyllama base (BF16, one file) reads completely', async (t) => {
  const ck = await open(BASE)
  t.equal(ck.tensors.length, TENSORS)
  t.equal(ck.files.length, 1)
  let params = 0
  for (const info of ck.tensors) {
    const r = await ck.readTensor(info.name)()
    if (E.isLeft(r)) throw r.left
    t.equal(r.right.dtype, 'BF16')
    t.equal(r.right.data.length, info.byteLength / 2)
    params += r.right.data.length
  }
  t.equal(params, PARAMS)
  const q = await ck.readFloat32('model.layers.0.self_attn.q_proj.weight')()
  t.ok(E.isRight(q) && q.right.length === 256 * 256 && q.right.every(Number.isFinite))
  await ck.close()
})

t.test('tinyllama tuned_sharded (8 shards + index) reads completely and matches the index', async (t) => {
  const ck = await open(TUNED)
  t.equal(ck.files.length, 8)
  t.equal(ck.tensors.length, TENSORS)
  t.equal(ck.indexMetadata?.['total_size'], ck.totalBytes)
  let params = 0
  for (const info of ck.tensors) {
    const r = await ck.readFloat32(info.name)()
    if (E.isLeft(r)) throw r.left
    params += r.right.length
  }
  t.equal(params, PARAMS)
  // same names as the base, different weights (fine-tuned)
  const base = await open(BASE)
  t.same(new Set(ck.tensors.map((x) => x.name)), new Set(base.tensors.map((x) => x.name)))
  const a = await base.readTensor('model.norm.weight')()
  const b = await ck.readTensor('model.norm.weight')()
  t.ok(E.isRight(a) && E.isRight(b))
  if (E.isRight(a) && E.isRight(b)) t.notSame(Array.from(toFloat32(a.right)), Array.from(toFloat32(b.right)))
  await base.close()
  await ck.close()
})

t.test('a single file path and a missing path', async (t) => {
  const ck = await open(join(BASE, 'model.safetensors'))
  t.equal(ck.tensors.length, TENSORS)
  const miss = await ck.readTensor('nope')()
  t.ok(E.isLeft(miss) && miss.left.rule === 'not-found')
  await ck.close()
  const r = await openCheckpoint(join(BASE, 'does-not-exist'))()
  t.ok(E.isLeft(r) && r.left.rule === 'not-found' && r.left._tag === 'SafetensorsError')
})

t.test('readTensor { into }: reads into a reused buffer, same bytes as fresh reads', async (t) => {
  const ck = await open(TUNED)
  const max = Math.max(...ck.tensors.map((x) => x.byteLength))
  const into = new Uint8Array(max)
  let same = 0
  for (const info of ck.tensors) {
    const a = await ck.readTensor(info.name)()
    const b = await ck.readTensor(info.name, { into })()
    if (E.isLeft(a) || E.isLeft(b)) throw new Error('read failed')
    const ab = Buffer.from(a.right.data.buffer, a.right.data.byteOffset, a.right.data.byteLength)
    const bb = Buffer.from(b.right.data.buffer, b.right.data.byteOffset, b.right.data.byteLength)
    if (b.right.data.buffer === into.buffer && Buffer.compare(ab, bb) === 0) same++
  }
  t.equal(same, TENSORS)
  const small = await ck.readTensor('lm_head.weight', { into: new Uint8Array(10) })()
  t.ok(E.isLeft(small) && small.left.rule === 'invalid-tensor')
  await ck.close()
})
