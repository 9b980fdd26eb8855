// Measures the relative Frobenius error of ΔW = tuned − base per module when extracting a LoRA at ranks 8/16/64
// from the tinyllama-bytes fixtures (one exact SVD per module; the error at rank r is √(Σ_{i≥r} σᵢ²)/‖ΔW‖_F, the
// value extractLoraFromCheckpoints reports). Prints a markdown table for docs/lora-extract.md.
// Run: node packages/adapters/scripts/extract-figures.ts [fixturesDir]
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { matrix } from '@lr/svd'
import { openCheckpoint } from '@lr/io-safetensors/node'
import { factorDelta } from '../dist/index.js'

const fixtures = process.argv[2] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const tiny = join(fixtures, 'tinyllama-bytes')
const RANKS = [8, 16, 64]
const run = async <T>(te: () => Promise<{ _tag: 'Left'; left: unknown } | { _tag: 'Right'; right: T }>): Promise<T> => {
  const r = await te()
  if (r._tag === 'Left') throw r.left
  return r.right
}
const base = await run(openCheckpoint(join(tiny, 'base')))
const tuned = await run(openCheckpoint(join(tiny, 'tuned_sharded')))
const rows: string[] = []
const errSq = RANKS.map(() => 0)
let normSq = 0
for (const t of base.tensors) {
  if (!t.name.endsWith('_proj.weight')) continue
  const [m, n] = t.shape as [number, number]
  const b = await run(base.readFloat32(t.name))
  const d = await run(tuned.readFloat32(t.name))
  for (let i = 0; i < d.length; i++) d[i] = d[i]! - b[i]!
  const f = factorDelta(matrix(d, m, n), { rank: Math.min(64, m, n), svd: 'exact' })
  const total = f.norm ** 2
  const errs = RANKS.map((r, k) => {
    const kept = f.singularValues.slice(0, r).reduce((s, x) => s + x * x, 0)
    const e = Math.sqrt(Math.max(0, total - kept) / total)
    errSq[k]! += e * e * total
    return e
  })
  normSq += total
  rows.push(`| ${t.name.slice(0, -7)} | ${m}×${n} | ${f.norm.toFixed(4)} | ${errs.map((e) => (100 * e).toFixed(2)).join(' | ')} |`)
}
console.log(`| module | shape | ‖ΔW‖_F | rank 8 (%) | rank 16 (%) | rank 64 (%) |\n|---|---|---|---|---|---|\n${rows.join('\n')}`)
console.log(`| **total** (${rows.length} modules) | | ${Math.sqrt(normSq).toFixed(4)} | ${errSq.map((e) => (100 * Math.sqrt(e / normSq)).toFixed(2)).join(' | ')} |`)
await base.close(); await tuned.close()
