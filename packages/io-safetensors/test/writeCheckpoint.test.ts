import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import type { NamedTensor } from '../src/index.js'
import { openCheckpoint, planShards, writeCheckpoint, type Checkpoint } from '../src/node/index.js'
import { FIXTURES, unwrap } from './helpers.js'

const scratch = mkdtempSync(join(tmpdir(), 'lr-io-ckpt-'))
t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(scratch, { recursive: true, force: true })))
const run = async <A>(te: () => Promise<E.Either<unknown, A>>): Promise<A> => unwrap(await te())
const TUNED = join(FIXTURES, 'tinyllama-bytes/tuned_sharded')

/** The state-dict order of transformers' LlamaForCausalLM (module registration order). */
const llamaOrder = (layers: number): string[] => [
  'model.embed_tokens.weight',
  ...Array.from({ length: layers }, (_, i) => [
    'self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj',
  ].map((m) => `model.layers.${i}.${m}.weight`).concat([`model.layers.${i}.input_layernorm.weight`, `model.layers.${i}.post_attention_layernorm.weight`])).flat(),
  'model.norm.weight', 'lm_head.weight',
]

async function* readAll(ck: Checkpoint, names: readonly string[]): AsyncGenerator<NamedTensor> {
  for (const n of names) yield await run(ck.readTensor(n))
}

t.test('writeCheckpoint reproduces transformers save_pretrained(max_shard_size="1MB") byte for byte', async (t) => {
  const ck = await run(openCheckpoint(TUNED))
  const order = llamaOrder(4)
  t.same(new Set(order), new Set(ck.tensors.map((x) => x.name)))
  const specs = order.map((n) => ck.tensors.find((x) => x.name === n)!)
  t.equal(planShards(specs, 1e6).length, 8)
  const out = join(scratch, 'tuned')
  const res = await run(writeCheckpoint(out, readAll(ck, order), { maxShardBytes: 1e6, metadata: { format: 'pt' }, specs }))
  await ck.close()
  t.equal(res.files.length, 8)
  const want = readdirSync(TUNED).filter((f) => f.endsWith('.safetensors') || f.endsWith('.index.json')).sort()
  t.same(readdirSync(out).sort(), want)
  for (const f of want) t.equal(Buffer.compare(readFileSync(join(out, f)), readFileSync(join(TUNED, f))), 0, `${f} identical`)
  t.notOk(existsSync(`${out}.partial`))
})

t.test('one shard → model.safetensors without index; stream without specs; extra files; replacing a directory', async (t) => {
  const ck = await run(openCheckpoint(TUNED))
  const names = ck.tensors.map((x) => x.name)
  const out = join(scratch, 'single')
  mkdirSync(out)
  writeFileSync(join(out, 'stale.txt'), 'old')
  const res = await run(writeCheckpoint(out, readAll(ck, names), { extraFiles: { 'config.json': '{"a":1}' } }))
  t.same(readdirSync(out).sort(), ['config.json', 'model.safetensors'])
  t.equal(res.totalBytes, ck.totalBytes)
  const back = await run(openCheckpoint(out))
  for (const n of names) {
    const a = await run(ck.readTensor(n))
    const b = await run(back.readTensor(n))
    if (Buffer.compare(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength), Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength)) !== 0) t.fail(n)
  }
  t.equal(back.tensors.length, names.length)
  await back.close()
  // a tensor larger than the limit gets its own shard, placed before the open one (huggingface_hub's order)
  const specs = [{ name: 'a', dtype: 'U8', shape: [3] }, { name: 'big', dtype: 'U8', shape: [10] }, { name: 'b', dtype: 'U8', shape: [3] }, { name: 'c', dtype: 'U8', shape: [5] }] as const
  t.same(planShards(specs, 6).map((s) => s.map((x) => x.name)), [['big'], ['a', 'b'], ['c']])
  await ck.close()
})

t.test('a failing stream leaves the target directory untouched and no .partial', async (t) => {
  const out = join(scratch, 'keep')
  mkdirSync(out)
  writeFileSync(join(out, 'model.safetensors'), 'precious')
  async function* failing(): AsyncGenerator<NamedTensor> {
    yield { name: 'a', dtype: 'F32', shape: [4], data: new Float32Array(4) }
    throw new Error('disk on fire')
  }
  const r = await writeCheckpoint(out, failing(), { maxShardBytes: 8 })()
  t.ok(E.isLeft(r) && r.left.rule === 'io-error')
  t.equal(readFileSync(join(out, 'model.safetensors'), 'utf8'), 'precious')
  t.notOk(existsSync(`${out}.partial`))
  const bad = await writeCheckpoint(join(scratch, 'x'), [], { maxShardBytes: 0 })()
  t.ok(E.isLeft(bad) && bad.left.rule === 'invalid-tensor')
})

t.test('sharded reads check the index against the shards', async (t) => {
  const dir = join(scratch, 'broken')
  const ck = await run(openCheckpoint(TUNED))
  await run(writeCheckpoint(dir, readAll(ck, ck.tensors.map((x) => x.name)), { maxShardBytes: 1e6 }))
  await ck.close()
  const indexPath = join(dir, 'model.safetensors.index.json')
  const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map: Record<string, string> }
  const cases: [string, (ix: typeof index) => unknown, string][] = [
    ['a tensor in the wrong shard', (ix) => { const k = Object.keys(ix.weight_map)[0]!; ix.weight_map[k] = ix.weight_map[k] === 'model-00001-of-00008.safetensors' ? 'model-00002-of-00008.safetensors' : 'model-00001-of-00008.safetensors' }, 'shard-mismatch'],
    ['a tensor no shard holds', (ix) => { ix.weight_map['ghost.weight'] = 'model-00001-of-00008.safetensors' }, 'shard-mismatch'],
    ['a shard outside the directory', (ix) => { ix.weight_map['ghost.weight'] = '../model.safetensors' }, 'index-invalid'],
    ['no weight_map', () => ({}), 'index-invalid'],
    ['a missing shard file', (ix) => { ix.weight_map['ghost.weight'] = 'model-00009-of-00008.safetensors' }, 'not-found'],
  ]
  for (const [what, edit, rule] of cases) {
    const ix = JSON.parse(JSON.stringify(index)) as typeof index
    const replaced = edit(ix)
    writeFileSync(indexPath, JSON.stringify(replaced ?? ix))
    const r = await openCheckpoint(dir)()
    t.ok(E.isLeft(r) && r.left.rule === rule, `${what}: ${E.isLeft(r) ? `${r.left.rule}: ${r.left.message}` : 'opened'}`)
  }
  writeFileSync(indexPath, '{not json')
  const r = await openCheckpoint(dir)()
  t.ok(E.isLeft(r) && r.left.rule === 'index-invalid')
})
