// The core entry point ('@lr/io-safetensors') must run in a browser: no Node built-in anywhere in its import graph.
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))
const importsOf = (file: string): string[] =>
  [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => (m[1] ?? m[2])!)

t.test('dist/index.js imports no node: module, transitively; dist/node/index.js is where fs lives', async (t) => {
  const seen = new Set<string>()
  const external = new Set<string>()
  const walk = (file: string) => {
    if (seen.has(file)) return
    seen.add(file)
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) walk(join(dirname(file), spec))
      else external.add(spec)
    }
  }
  walk(join(DIST, 'index.js'))
  t.ok(seen.size > 5, `${seen.size} modules in the core graph`)
  t.same([...external].filter((s) => s.startsWith('node:') || ['fs', 'path', 'crypto', 'os'].includes(s)), [], 'no Node built-ins')
  t.same([...external].filter((s) => !s.startsWith('fp-ts/')), [], 'only fp-ts besides our own modules')
  t.ok(importsOf(join(DIST, 'node/openCheckpoint.js')).some((s) => s.startsWith('node:fs')), 'the node edge does use fs')
})
