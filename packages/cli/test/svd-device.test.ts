import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const FIX = process.env['LR_FIXTURES'] ?? join(ROOT, '..', 'shared', 'fixtures')
const BASE = join(FIX, 'tinyllama-bytes/base')
const lr = (env: NodeJS.ProcessEnv, ...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } })
const ref = (JSON.parse(readFileSync(join(ROOT, 'packages/svd/test/ref/tinyllama_svals.json'), 'utf8')) as { cases: Record<string, { s: number[] }> }).cases

t.test('lr svd --device gpu: the leading σ match numpy within the Gram-matrix bound', async (t) => {
  const name = 'model.layers.0.mlp.down_proj.weight' // [256, 768]
  const r = lr({}, 'svd', BASE, '--tensor', name, '--rank', '16', '--device', 'gpu', '--json')
  t.equal(r.status, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as { tensor: string; shape: number[]; singular_values: number[]; effective_rank: number }
  t.same(Object.keys(doc), ['tensor', 'shape', 'singular_values', 'effective_rank'], 'same JSON keys as --device cpu')
  const s = ref[name]!.s
  const m = 768 // the Gram matrix A·Aᵀ sums over the longer side
  const fro2 = s.reduce((a, v) => a + v * v, 0)
  // Weyl: |λ̂ − λ| ≤ ‖ΔG‖₂ ≤ 1e-5·√m·‖A‖²_F (f32 GEMM bound), so |σ̂ᵢ − σᵢ| ≤ 1e-5·√m·‖A‖²_F / σᵢ
  const bad = doc.singular_values.map((v, i) => [i, Math.abs(v - s[i]!), (1e-5 * Math.sqrt(m) * fro2) / s[i]!] as const).filter(([, e, tol]) => !(e <= tol))
  t.same(bad, [], 'every one of the top 16 within its bound')
  const text = lr({}, 'svd', BASE, '--tensor', name, '--rank', '4', '--device', 'gpu')
  t.match(text.stdout, /device: gpu \(/)
})

t.test('lr svd --device gpu without an adapter is a clear error; a bad --device is a usage error', async (t) => {
  const r = lr({ VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' }, 'svd', BASE, '--tensor', 'lm_head.weight', '--device', 'gpu')
  t.equal(r.status, 1)
  t.match(r.stderr, /^lr: NoAdapter: no WebGPU adapter: .*--device cpu$/m)
  const u = lr({}, 'svd', BASE, '--tensor', 'lm_head.weight', '--device', 'tpu')
  t.equal(u.status, 2)
  t.match(u.stderr, /--device must be cpu or gpu/)
})
