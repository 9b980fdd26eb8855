import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
export const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })

t.test('lr inspect prints a table with totals and metadata', async (t) => {
  const r = lr('inspect', 'examples/tinyllama-base')
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /model\.layers\.0\.self_attn\.q_proj\.weight\s+BF16\s+\[256, 256\]\s+65,536\s+131 kB/)
  t.match(r.stdout, /39 tensors, 3,279,104 parameters, 6\.56 MB \(6,558,208 bytes\)/)
  t.match(r.stdout, /metadata: format="pt"/)
  t.match(r.stdout, /config\.json: LlamaForCausalLM: model_type=llama, hidden_size=256/)
  const sharded = lr('inspect', 'examples/tinyllama-tuned')
  t.match(sharded.stdout, /8 shards \+ index/)
  t.match(sharded.stdout, /lm_head\.weight .* model-00008-of-00008\.safetensors/)
})

t.test('lr inspect --json prints exactly one JSON document', async (t) => {
  const r = lr('inspect', 'examples/tinyllama-tuned', '--json')
  t.equal(r.status, 0, r.stderr)
  t.equal(r.stderr, '')
  const doc = JSON.parse(r.stdout) as { tensors: { name: string; dtype: string; shape: number[]; bytes: number }[]; metadata: Record<string, string>; total_bytes: number }
  t.equal(doc.tensors.length, 39)
  t.same(doc.metadata, { format: 'pt' })
  const index = JSON.parse(readFileSync(join(ROOT, 'examples/tinyllama-tuned/model.safetensors.index.json'), 'utf8')) as { metadata: { total_size: number } }
  t.equal(doc.total_bytes, index.metadata.total_size)
  t.same(doc.tensors.find((x) => x.name === 'model.layers.1.mlp.down_proj.weight'), { name: 'model.layers.1.mlp.down_proj.weight', dtype: 'BF16', shape: [256, 768], bytes: 393216 })
})

t.test('lr inspect on a corrupt file: tagged error on stderr, exit 1; missing argument: exit 2', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-cli-inspect-'))
  const bad = join(dir, 'bad.safetensors')
  const good = readFileSync(join(ROOT, 'examples/tinyllama-base/model.safetensors'))
  writeFileSync(bad, good.subarray(0, 1000))
  const r = lr('inspect', bad)
  t.equal(r.status, 1)
  t.match(r.stderr, /^lr: SafetensorsError: .*bad\.safetensors: .*(offsets-out-of-bounds|header-length-out-of-bounds)/)
  t.equal(lr('inspect').status, 2)
  t.match(lr('inspect', '--help').stdout, /Example:\n {2}\$ lr inspect/)
})
