import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { readSafetensors, toFloat32 } from '@lr/io-safetensors'
import * as E from 'fp-ts/lib/Either.js'

const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const TINY = join(FIXTURES, 'tinyllama-bytes')
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const tmp = mkdtempSync(join(tmpdir(), 'lr-cli-lora-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

const lr = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, 'lora', ...args], { encoding: 'utf8' })
  return { code: r.status, out: r.stdout, err: r.stderr }
}
const tensors = (file: string): Map<string, Float32Array> => {
  const r = readSafetensors(new Uint8Array(readFileSync(file)), { file })
  if (E.isLeft(r)) throw r.left
  return new Map(r.right.tensors.map((x) => [x.name, toFloat32(x)]))
}

t.test('merge reproduces PEFT merge_and_unload (layer 0, f32) and writes a complete model', async (t) => {
  const out = join(tmp, 'merged')
  const r = lr('merge', '--model', join(TINY, 'base'), '--adapter', join(TINY, 'lora_r16_trained'), '--dtype', 'F32', '--out', out, '--json')
  t.equal(r.code, 0, r.err)
  const summary = JSON.parse(r.out) as { mergedModules: string[] }
  t.equal(summary.mergedModules.length, 28)
  const got = tensors(join(out, 'model.safetensors'))
  const want = tensors(join(TINY, 'lora_r16_trained/expected_merged_layer0.safetensors'))
  let worst = 0
  for (const [k, v] of want) { const g = got.get(k)!; for (let i = 0; i < v.length; i++) worst = Math.max(worst, Math.abs(g[i]! - v[i]!)) }
  t.ok(worst <= 1e-5, `max abs error ${worst}`)
  t.ok(existsSync(join(out, 'config.json')))
})

t.test('extract (json summary, kohya output), convert back to PEFT, resize', async (t) => {
  const k = join(tmp, 'ex.safetensors')
  const r = lr('extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--rank', '4', '--targets', 'q_proj,v_proj', '--format', 'kohya', '--out', k, '--json')
  t.equal(r.code, 0, r.err)
  const s = JSON.parse(r.out) as { modules: { rank: number }[]; totalRelativeError: number }
  t.equal(s.modules.length, 8)
  t.ok(s.totalRelativeError > 0 && s.totalRelativeError < 1)
  t.ok(tensors(k).has('lora_te_model_layers_0_self_attn_q_proj.lora_down.weight'))
  const p = join(tmp, 'ex-peft')
  const c = lr('convert', k, '--to', 'peft', '--out', p, '--json')
  t.equal(c.code, 0, c.err)
  t.ok(tensors(join(p, 'adapter_model.safetensors')).has('base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight'))
  const rs = lr('resize', p, '--rank', '2', '--out', join(tmp, 'r2'), '--json')
  t.equal(rs.code, 0, rs.err)
  t.ok((JSON.parse(rs.out) as { modules: { to: number }[] }).modules.every((m) => m.to === 2))
  const d = lr('extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--energy', '0.5', '--rank', '32', '--targets', 'o_proj', '--out', join(tmp, 'dyn'), '--json')
  t.equal(d.code, 0, d.err)
  const ranks = (JSON.parse(d.out) as { modules: { rank: number }[] }).modules.map((m) => m.rank)
  t.ok(ranks.every((x) => x >= 1 && x <= 32), `dynamic ranks ${ranks}`)
})

t.test('bad input: a clear error naming the module and the fix, nothing written', async (t) => {
  const out = join(tmp, 'bad')
  const r = lr('extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'base_layer0_f32.safetensors'), '--rank', '4', '--out', out)
  t.equal(r.code, 1)
  t.match(r.err, /^lr: ModuleError: module "/)
  t.notOk(existsSync(out))
  const big = lr('extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--rank', '200', '--out', out)
  t.equal(big.code, 1)
  t.match(big.err, /rank-too-large.*use --rank ≤ 128/)
  t.equal(lr('extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--out', out).code, 2, 'missing --rank is a usage error')
  const calib = lr('init', 'corda', '--model', join(TINY, 'base'), '--rank', '4', '--out', out)
  t.equal(calib.code, 1)
  t.match(calib.err, /--calib/)
  t.notOk(existsSync(out))
})

t.test('every verb has --help with an example', async (t) => {
  for (const verb of ['init', 'extract', 'resize', 'merge', 'convert']) {
    const r = lr(verb, '--help')
    t.equal(r.code, 0)
    t.match(r.out, /Examples:\n\s+\$ lr lora /, verb)
  }
})

t.test('--eval: extract (adapter unmerged) and merge (F32) give the same loss on the same rows', async (t) => {
  const rows = join(tmp, 'rows.u8')
  const { writeFileSync } = await import('node:fs')
  writeFileSync(rows, readFileSync(join(TINY, 'eval_prose.u8')).subarray(0, 2 * 257))
  const ad = join(tmp, 'ev-adapter')
  const ex = lr('extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--rank', '4', '--targets', 'q_proj', '--out', ad, '--eval', rows, '--json')
  t.equal(ex.code, 0, ex.err)
  const unmerged = (JSON.parse(ex.out) as { eval: { loss: number; tokens: number } }).eval
  t.equal(unmerged.tokens, 2 * 256)
  const mg = lr('merge', '--model', join(TINY, 'base'), '--adapter', ad, '--dtype', 'F32', '--out', join(tmp, 'ev-merged'), '--eval', rows, '--json')
  t.equal(mg.code, 0, mg.err)
  const merged = (JSON.parse(mg.out) as { eval: { loss: number } }).eval
  t.ok(Math.abs(merged.loss - unmerged.loss) < 1e-4, `merged ${merged.loss} vs unmerged ${unmerged.loss}`)
  t.equal(lr('extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--rank', '4', '--format', 'kohya', '--out', join(tmp, 'x'), '--eval', rows).code, 2, '--eval needs peft output')
})
