// Fails on an upward or sideways @lr dependency edge, or a cycle, in any packages/*/package.json.
// Layers (STYLE.md §1): arrows point down only; L2 siblings never import each other.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'

const LAYER: Record<string, number> = {
  '@lr/svd': 0, '@lr/io-safetensors': 0,
  '@lr/kernels-gpu': 1,
  '@lr/quant-complex': 2, '@lr/quant': 2, '@lr/adapters': 2,
  '@lr/pipeline': 3,
  '@lr/cli': 4,
}
// Allowed exceptions: kernels-gpu uses @lr/svd types only (checked by its own imports being `import type`).
const root = new URL('..', import.meta.url).pathname
const problems: string[] = []
const graph = new Map<string, string[]>()
for (const dir of readdirSync(join(root, 'packages'))) {
  const file = join(root, 'packages', dir, 'package.json')
  if (!existsSync(file)) continue
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; dependencies?: Record<string, string> }
  const layer = LAYER[pkg.name]
  if (layer === undefined) { problems.push(`${pkg.name}: not in the layer table of tools/check-layers.ts`); continue }
  const deps = Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith('@lr/'))
  graph.set(pkg.name, deps)
  for (const d of deps) {
    const dl = LAYER[d]
    if (dl === undefined) problems.push(`${pkg.name} -> ${d}: unknown package`)
    else if (dl >= layer) problems.push(`${pkg.name} (L${layer}) -> ${d} (L${dl}): ${dl === layer ? 'sideways' : 'upward'} edge; move the shared code down a layer`)
    if (pkg.name === '@lr/svd' && d === '@lr/io-safetensors') problems.push('@lr/svd must never import @lr/io-safetensors')
  }
}
const seen = new Set<string>(), stack = new Set<string>()
const visit = (n: string, path: string[]): void => {
  if (stack.has(n)) { problems.push(`cycle: ${[...path, n].join(' -> ')}`); return }
  if (seen.has(n)) return
  seen.add(n); stack.add(n)
  for (const d of graph.get(n) ?? []) visit(d, [...path, n])
  stack.delete(n)
}
for (const n of graph.keys()) visit(n, [])
if (problems.length) { console.error(`check-layers: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`); process.exit(1) }
console.log(`check-layers: ${graph.size} packages, all edges point down`)
