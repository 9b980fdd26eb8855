import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })

t.test('lr demo --json on a few rows: every step runs, losses are ordered as the models are', async (t) => {
  const out = join(mkdtempSync(join(tmpdir(), 'lr-demo-')), 'demo')
  const r = lr('demo', '--out', out, '--rows', '2', '--json')
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stderr, '', 'no progress with --json')
  const j = JSON.parse(r.stdout) as { prose: Record<string, number>; code: Record<string, number>; spectra: { file: string; matrices: number } }
  t.ok(j.prose['tuned']! < j.prose['base']!, 'the prose fine-tune lowers the prose loss')
  t.ok(j.code['fairy2i']! > j.code['base']!, 'quantization costs some code loss')
  t.equal(j.spectra.matrices, 28)
  t.ok(existsSync(j.spectra.file))
  t.match(readFileSync(j.spectra.file, 'utf8'), /^<svg /)
})

t.test('lr demo --help has an example; bad flags are usage errors', async (t) => {
  t.match(lr('demo', '--help').stdout, /Example:\n\s+\$ lr demo/)
  t.equal(lr('demo', '--rows', '0').status, 2)
})
