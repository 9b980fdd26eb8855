import t from 'tap'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const EX = fileURLToPath(new URL('../../../examples', import.meta.url))
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })

t.test('lr spectrum of ΔW writes an SVG with a curve per matrix and reports per-tensor figures', async (t) => {
  const out = join(mkdtempSync(join(tmpdir(), 'lr-spec-')), 'sub', 'delta.svg')
  const r = lr('spectrum', `${EX}/tinyllama-base`, '--tuned', `${EX}/tinyllama-tuned`, '--out', out, '--ranks', '8,64', '--json')
  t.equal(r.status, 0, r.stderr)
  const j = JSON.parse(r.stdout) as { tensors: { name: string; shape: number[]; effectiveRank: number; energy: { rank: number; fraction: number }[] }[] }
  t.equal(j.tensors.length, 28, '7 projections × 4 layers')
  t.ok(j.tensors.every((x) => x.effectiveRank >= 1 && x.effectiveRank <= Math.min(...x.shape)))
  t.ok(j.tensors.every((x) => x.energy[0]!.fraction <= x.energy[1]!.fraction + 1e-12 && x.energy[1]!.fraction <= 1 + 1e-12), 'energy grows with rank')
  const svg = readFileSync(out, 'utf8')
  t.equal([...svg.matchAll(/<polyline class="curve"/g)].length, 28)
  t.equal([...svg.matchAll(/<g class="panel"/g)].length, 7)
})

t.test('lr spectrum --html; usage errors; --help example', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-spec-'))
  const r = lr('spectrum', `${EX}/tinyllama-base`, '--out', join(dir, 'w.html'), '--html', '--select', '**.layers.0.mlp.*.weight')
  t.equal(r.status, 0, r.stderr)
  t.match(readFileSync(join(dir, 'w.html'), 'utf8'), /<!doctype html>[\s\S]*<svg [\s\S]*down_proj/)
  t.equal(lr('spectrum', `${EX}/tinyllama-base`, '--out', join(dir, 'x.svg'), '--ranks', 'abc').status, 2)
  const missing = lr('spectrum', '/nonexistent', '--out', join(dir, 'y.svg'))
  t.equal(missing.status, 1)
  t.match(missing.stderr, /^lr: SafetensorsError: .*nonexistent/)
  t.notOk(existsSync(join(dir, 'y.svg')))
  t.match(lr('spectrum', '--help').stdout, /Example:\n\s+\$ lr spectrum /)
})
