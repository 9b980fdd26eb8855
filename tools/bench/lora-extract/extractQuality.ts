// Prose loss of base + an extracted LoRA, per target set × rank, on all 64 rows of eval_prose.u8 of the
// tinyllama-bytes fixture (base → tuned_sharded), exactly as a user runs it: `lr lora extract … --eval` (the adapter
// applied unmerged by @lr/pipeline's evaluator) and `lr eval` for base and tuned. Prints a markdown table.
//   node tools/bench/lora-extract/extractQuality.ts [--ranks 16,32,64,128] [--only calibrated]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../..', import.meta.url))
const fixtures = process.env['LR_FIXTURES'] ?? join(root, '..', 'shared', 'fixtures')
const tiny = join(fixtures, 'tinyllama-bytes')
const bin = join(root, 'packages/cli/dist/bin.js')
const prose = join(tiny, 'eval_prose.u8')
const ri = process.argv.indexOf('--ranks')
const ranks = (ri > 0 ? process.argv[ri + 1]! : '16,32,64,128').split(',').map(Number)
const tmp = mkdtempSync(join(tmpdir(), 'lr-extract-quality-'))

const lr = (args: string[]): { loss: number; seconds: number; json: Record<string, unknown> } => {
  const t0 = performance.now()
  const r = spawnSync(process.execPath, [bin, ...args, '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`lr ${args.join(' ')}: ${r.stderr}`)
  const json = JSON.parse(r.stdout) as Record<string, unknown>
  const loss = (json['eval'] as { loss: number } | undefined)?.loss ?? (json['loss'] as number)
  return { loss, seconds: (performance.now() - t0) / 1000, json }
}

const NORMS = 'input_layernorm,post_attention_layernorm,norm'
const configs: { label: string; args: (r: number) => string[]; ranked: boolean }[] = [
  { label: 'linear layers (all-linear)', args: (r) => ['--rank', `${r}`], ranked: true },
  { label: 'linear + norms whole', args: (r) => ['--rank', `${r}`, '--modules-to-save', NORMS], ranked: true },
  { label: 'linear + embed_tokens, lm_head at rank r', args: (r) => ['--rank', `${r}`, '--targets', 'all-linear,embed_tokens,lm_head'], ranked: true },
  { label: 'linear + embed_tokens, lm_head at rank r + norms whole', args: (r) => ['--rank', `${r}`, '--targets', 'all-linear,embed_tokens,lm_head', '--modules-to-save', NORMS], ranked: true },
  { label: 'linear + embed_tokens, lm_head, norms whole', args: (r) => ['--rank', `${r}`, '--modules-to-save', `${NORMS},embed_tokens,lm_head`], ranked: true },
  // data-aware: sequential output matching on text sampled from the tuned model (64 × 256 bytes, seed 0)
  { label: 'calibrated (--calibrate self): linear + embed_tokens, lm_head at rank r + norms whole', args: (r) => ['--rank', `${r}`, '--targets', 'all-linear,embed_tokens,lm_head', '--modules-to-save', NORMS, '--calibrate', 'self'], ranked: true },
  { label: 'calibrated (--calibrate self): linear layers', args: (r) => ['--rank', `${r}`, '--calibrate', 'self'], ranked: true },
]

const base = lr(['eval', join(tiny, 'base'), '--data', prose]).loss
const tuned = lr(['eval', join(tiny, 'tuned_sharded'), '--data', prose]).loss
console.log(`prose loss over all 64 rows: base ${base.toFixed(4)}, tuned ${tuned.toFixed(4)}\n`)
console.log(`| targets | ${ranks.map((r) => `rank ${r}`).join(' | ')} |`)
console.log(`|---|${ranks.map(() => '---|').join('')}`)
const oi = process.argv.indexOf('--only')
for (const c of configs.filter((c) => oi < 0 || c.label.includes(process.argv[oi + 1]!))) {
  const cells: string[] = []
  for (const r of ranks) {
    const out = join(tmp, `${c.label.replace(/\W+/g, '-')}-r${r}`)
    const res = lr(['lora', 'extract', '--base', join(tiny, 'base'), '--tuned', join(tiny, 'tuned_sharded'), ...c.args(r), '--out', out, '--eval', prose])
    cells.push(res.loss.toFixed(4))
    rmSync(out, { recursive: true, force: true })
  }
  console.log(`| ${c.label} | ${cells.join(' | ')} |`)
}
rmSync(tmp, { recursive: true, force: true })
