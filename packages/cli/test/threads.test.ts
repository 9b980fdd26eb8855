import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// LR_THREADS is read at the CLI edge (bin.ts) and passed to @lr/svd's setCpuOptions.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const FIX = process.env['LR_FIXTURES'] ?? join(ROOT, '..', 'shared', 'fixtures')
const BASE = join(FIX, 'tinyllama-bytes/base')
const lr = (env: Record<string, string>, ...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } })

t.test('LR_THREADS: 1 and 2 give the same singular values; a bad value is a usage error (exit 2)', async (t) => {
  const name = 'model.layers.0.mlp.down_proj.weight'
  const one = lr({ LR_THREADS: '1' }, 'svd', BASE, '--tensor', name, '--json')
  const two = lr({ LR_THREADS: '2' }, 'svd', BASE, '--tensor', name, '--json')
  t.equal(one.status, 0, one.stderr)
  t.equal(two.status, 0, two.stderr)
  t.same((JSON.parse(two.stdout) as { singular_values: number[] }).singular_values, (JSON.parse(one.stdout) as { singular_values: number[] }).singular_values, 'bit-identical σ')
  const bad = lr({ LR_THREADS: 'many' }, 'svd', BASE, '--tensor', name)
  t.equal(bad.status, 2)
  t.match(bad.stderr, /^lr: LR_THREADS=many: expected an integer thread count/)
})
