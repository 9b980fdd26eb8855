// Extracts every ```ts block of README.md and runs it (Node type stripping) from the repository root.
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const PKG = fileURLToPath(new URL('..', import.meta.url))
const ROOT = join(PKG, '../..')
const blocks = [...readFileSync(join(PKG, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)

t.test('README has runnable ts examples and each one runs', async (t) => {
  t.ok(blocks.length >= 2, `${blocks.length} ts blocks`)
  // inside the package, so '@lr/io-safetensors' resolves to itself (package self-reference through "exports")
  const dir = join(PKG, '.readme-run')
  mkdirSync(dir, { recursive: true })
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [i, code] of blocks.entries()) {
    const file = join(dir, `example${i}.ts`)
    writeFileSync(file, code)
    const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', file], { cwd: ROOT, encoding: 'utf8' })
    t.equal(r.status, 0, `example ${i} exits 0: ${r.stderr}`)
    t.match(r.stdout, /\S/, `example ${i} prints something`)
    t.comment(r.stdout.trim())
  }
})
