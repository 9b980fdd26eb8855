import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'

const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const TINY = join(FIXTURES, 'tinyllama-bytes')
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const tmp = mkdtempSync(join(tmpdir(), 'lr-cli-extract-cal-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
const lr = (...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })
  return { code: r.status, out: r.stdout, err: r.stderr }
}
const NORMS = 'input_layernorm,post_attention_layernorm,norm'
const pair = ['--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded')]

// Issue #10: `lr lora extract --rank 64` from (base, tuned): prose loss of base + LoRA ≤ 1.05, over all 64 rows of
// eval_prose.u8 (never used for calibration: the calibration text is sampled from the tuned model).
t.test('--calibrate self --rank 64: prose loss of base + LoRA ≤ 1.05; a normal PEFT adapter lr eval reads', async (t) => {
  const ad = join(tmp, 'cal64')
  const ex = lr('lora', 'extract', ...pair, '--rank', '64', '--targets', 'all-linear,embed_tokens,lm_head', '--modules-to-save', NORMS,
    '--calibrate', 'self', '--out', ad, '--eval', join(TINY, 'eval_prose.u8'), '--json')
  t.equal(ex.code, 0, ex.err)
  const s = JSON.parse(ex.out) as { modules: { module: string; rank: number; calibrated?: boolean }[]; eval: { loss: number; tokens: number }; calibration: { tokens: number } }
  t.equal(s.eval.tokens, 64 * 256)
  t.ok(s.eval.loss <= 1.05, `prose loss ${s.eval.loss} ≤ 1.05`)
  t.equal(s.calibration.tokens, 64 * 256)
  t.equal(s.modules.length, 30)
  t.equal(s.modules.filter((m) => m.calibrated === true).length, 29, '28 projections + lm_head calibrated; embed_tokens by SVD')
  t.ok(s.modules.every((m) => m.rank === 64))
  const cfg = JSON.parse(readFileSync(join(ad, 'adapter_config.json'), 'utf8')) as { r: number; lora_alpha: number; modules_to_save: string[] }
  t.equal(cfg.r, 64); t.equal(cfg.lora_alpha, 64)
  const rows = join(tmp, 'rows.u8')
  writeFileSync(rows, readFileSync(join(TINY, 'eval_prose.u8')).subarray(0, 2 * 257))
  const ev = lr('eval', join(TINY, 'base'), '--data', rows, '--adapter', ad, '--json')
  t.equal(ev.code, 0, ev.err)
  t.ok((JSON.parse(ev.out) as { loss: number }).loss < 1.2, 'lr eval --adapter reads it')
})

t.test('--calibrate FILE and usage errors', async (t) => {
  const bytes = join(tmp, 'calib.u8')
  // a tiny calibration file (two rows of 256 bytes) from the fixture README: any text the tuned model is meant for
  const text = readFileSync(join(FIXTURES, 'README.md'))
  writeFileSync(bytes, text.subarray(0, 512))
  const ex = lr('lora', 'extract', ...pair, '--rank', '4', '--targets', 'q_proj,v_proj', '--calibrate', bytes, '--out', join(tmp, 'file'), '--json')
  t.equal(ex.code, 0, ex.err)
  const s = JSON.parse(ex.out) as { modules: { calibrated?: boolean; inputRank?: number }[]; calibration: { tokens: number; source: string } }
  t.equal(s.calibration.tokens, 512)
  t.equal(s.modules.length, 8); t.ok(s.modules.every((m) => m.calibrated === true))
  t.ok(existsSync(join(tmp, 'file', 'adapter_model.safetensors')))
  const short = join(tmp, 'short.u8'); writeFileSync(short, text.subarray(0, 100))
  const e1 = lr('lora', 'extract', ...pair, '--rank', '4', '--calibrate', short, '--out', join(tmp, 'x1'))
  t.not(e1.code, 0); t.match(e1.err, /less than one row of 256/)
  t.notOk(existsSync(join(tmp, 'x1')), 'nothing written')
  const e2 = lr('lora', 'extract', ...pair, '--rank', '4', '--energy', '0.9', '--calibrate', 'self', '--out', join(tmp, 'x2'))
  t.not(e2.code, 0); t.match(e2.err, /fixed --rank/)
  const e3 = lr('lora', 'extract', ...pair, '--rank', '4', '--format', 'kohya', '--calibrate', 'self', '--out', join(tmp, 'x3'))
  t.not(e3.code, 0); t.match(e3.err, /--format peft/)
  const help = lr('lora', 'extract', '--help')
  t.match(help.out, /--calibrate self/)
})
