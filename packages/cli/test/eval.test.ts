import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const TB = `${FIXTURES}/tinyllama-bytes`
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const ref = JSON.parse(readFileSync(fileURLToPath(new URL('../../pipeline/test/ref/eval_rows.json', import.meta.url)), 'utf8')) as Record<string, { rows: number[] }>
/** See packages/pipeline/test/fixtures.ts: an exact f32 forward agrees with the f64 reference to ~1e-5. */
const F32_FORWARD_TOL = 1e-4
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })

t.test('lr eval --json with an adapter prints {loss, tokens} matching the reference rows', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-eval-'))
  const rows = 3
  writeFileSync(join(dir, 'prose3.u8'), readFileSync(`${TB}/eval_prose.u8`).subarray(0, rows * 257))
  const r = lr('eval', `${TB}/base`, '--data', join(dir, 'prose3.u8'), '--adapter', `${TB}/lora_r16_trained`, '--json')
  t.equal(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout) as { loss: number; tokens: number }
  t.equal(out.tokens, rows * 256)
  const expected = ref['lora_prose']!.rows.slice(0, rows).reduce((a, b) => a + b, 0) / rows
  t.ok(Math.abs(out.loss - expected) < F32_FORWARD_TOL, `${out.loss} vs ${expected}`)
  t.equal(r.stderr, '', '--json prints no progress')
})

t.test('lr eval errors: bad data length (exit 1, names the file), bad flag (exit 2), --help has an example', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-eval-'))
  writeFileSync(join(dir, 'odd.u8'), new Uint8Array(100))
  const bad = lr('eval', `${TB}/base`, '--data', join(dir, 'odd.u8'))
  t.equal(bad.status, 1)
  t.match(bad.stderr, /^lr: InvalidEvalData: .*odd\.u8/)
  const usage = lr('eval', `${TB}/base`, '--data', join(dir, 'odd.u8'), '--row-bytes', 'x')
  t.equal(usage.status, 2)
  const cfg = lr('eval', `${TB}/base_layer0_f32.safetensors`, '--data', join(dir, 'odd.u8'))
  t.equal(cfg.status, 1)
  t.match(cfg.stderr, /lr: (PipelineIoError|UnsupportedModel|ModelTensorError): /)
  const help = lr('eval', '--help')
  t.match(help.stdout, /Example:\n\s+\$ lr eval /)
})
