import t from 'tap'
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// Extracts every ```ts block of the README and runs it against the built package (dist), as a user would.
const pkgDir = fileURLToPath(new URL('..', import.meta.url))
const readme = readFileSync(join(pkgDir, 'README.md'), 'utf8')
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)

t.test('README examples run and print what their comments say', async (t) => {
  t.ok(blocks.length >= 1, 'at least one ts example')
  const dir = mkdtempSync(join(pkgDir, '.readme-'))
  try {
    for (const [i, code] of blocks.entries()) {
      const file = join(dir, `example${i}.ts`)
      writeFileSync(file, code)
      const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', file], { encoding: 'utf8', cwd: pkgDir })
      t.equal(r.status, 0, `example ${i} exits 0: ${r.stderr}`)
      const expected = [...code.matchAll(/console\.log\(.*\)\s*\/\/\s*(.*)$/gm)].map((m) => m[1]!.trim())
      const got = r.stdout.trim().split('\n').map((s) => s.trim().replace(/\s+/g, ' '))
      t.same(got, expected.map((s) => s.replace(/\s+/g, ' ')), `example ${i} prints its comments`)
    }
  } finally { rmSync(dir, { recursive: true, force: true }) }
})
