import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { readSafetensors } from '@lr/io-safetensors'
import * as E from 'fp-ts/lib/Either.js'

const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const TINY = join(FIXTURES, 'tinyllama-bytes')
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const tmp = mkdtempSync(join(tmpdir(), 'lr-cli-extract-emb-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
const lr = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })
  return { code: r.status, out: r.stdout, err: r.stderr }
}
// Unmerged (x·Aᵀ·Bᵀ added in f32) and merged (W + B·A stored in f32) differ by f32 rounding of the products only.
const MERGE_TOL = 1e-4

t.test('extract --targets all-linear,embed_tokens,lm_head --modules-to-save: PEFT keys, config, and unmerged eval = merged eval', async (t) => {
  const rows = join(tmp, 'rows.u8')
  writeFileSync(rows, readFileSync(join(TINY, 'eval_prose.u8')).subarray(0, 2 * 257))
  const ad = join(tmp, 'full')
  const ex = lr('lora', 'extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--rank', '8', '--targets', 'all-linear,embed_tokens,lm_head',
    '--modules-to-save', 'input_layernorm,post_attention_layernorm,norm', '--out', ad, '--eval', rows, '--json')
  t.equal(ex.code, 0, ex.err)
  const s = JSON.parse(ex.out) as { modules: { module: string; kind: string }[]; modulesToSave: string[]; eval: { loss: number } }
  t.equal(s.modules.length, 30)
  t.same(s.modules.filter((m) => m.kind === 'embedding').map((m) => m.module), ['model.embed_tokens'])
  t.equal(s.modulesToSave.length, 9)
  const cfg = JSON.parse(readFileSync(join(ad, 'adapter_config.json'), 'utf8')) as { modules_to_save: string[]; target_modules: string[] }
  t.equal(cfg.modules_to_save.length, 9)
  t.ok(cfg.target_modules.includes('embed_tokens') && cfg.target_modules.includes('lm_head'))
  const file = readSafetensors(new Uint8Array(readFileSync(join(ad, 'adapter_model.safetensors'))))
  if (E.isLeft(file)) throw file.left
  const shapes = new Map(file.right.tensors.map((x) => [x.name, x.shape]))
  t.same(shapes.get('base_model.model.model.embed_tokens.lora_embedding_A'), [8, 256], 'A is r × vocab')
  t.same(shapes.get('base_model.model.model.embed_tokens.lora_embedding_B'), [256, 8], 'B is hidden × r')
  t.same(shapes.get('base_model.model.lm_head.lora_A.weight'), [8, 256])
  t.same(shapes.get('base_model.model.model.norm.weight'), [256])
  const ev = lr('eval', join(TINY, 'base'), '--data', rows, '--adapter', ad, '--json')
  t.equal(ev.code, 0, ev.err)
  t.equal((JSON.parse(ev.out) as { loss: number }).loss, s.eval.loss, 'lr eval --adapter gives the extract --eval figure')
  const mg = lr('lora', 'merge', '--model', join(TINY, 'base'), '--adapter', ad, '--dtype', 'F32', '--out', join(tmp, 'merged'), '--eval', rows, '--json')
  t.equal(mg.code, 0, mg.err)
  const merged = JSON.parse(mg.out) as { mergedModules: string[]; eval: { loss: number } }
  t.equal(merged.mergedModules.length, 30 + 9)
  t.ok(Math.abs(merged.eval.loss - s.eval.loss) < MERGE_TOL, `merged ${merged.eval.loss} vs unmerged ${s.eval.loss}`)
})

t.test('--modules-to-save errors: kohya output, unknown modules; nothing written', async (t) => {
  const out = join(tmp, 'bad')
  const k = lr('lora', 'extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--rank', '4', '--modules-to-save', 'norm', '--format', 'kohya', '--out', out)
  t.equal(k.code, 2)
  t.match(k.err, /--format peft/)
  const u = lr('lora', 'extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--rank', '4', '--modules-to-save', 'no_such_module', '--out', out)
  t.equal(u.code, 2)
  t.match(u.err, /no tensor of .* belongs to these modules/)
  t.notOk(existsSync(out))
})
