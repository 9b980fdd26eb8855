import t from 'tap'
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

// Runs every ```ts block of docs/pipeline.md from the repository root (paths like examples/… resolve there);
// the file is placed in this package so that '@lr/pipeline' and its dependencies resolve.
const pkgDir = fileURLToPath(new URL('..', import.meta.url))
const root = fileURLToPath(new URL('../../..', import.meta.url))
const doc = readFileSync(`${root}/docs/pipeline.md`, 'utf8')
const blocks = [...doc.matchAll(/^## (.*)\n[\s\S]*?```ts\n([\s\S]*?)```/gm)].map((m) => ({ title: m[1]!, code: m[2]! }))

t.test('docs/pipeline.md has worked examples', async (t) => { t.ok(blocks.length >= 2) })
for (const [i, b] of blocks.entries()) {
  t.test(`docs/pipeline.md: ${b.title}`, async (t) => {
    const file = `${pkgDir}/.docs-example-${i}-${process.pid}.ts`
    writeFileSync(file, b.code)
    try {
      const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', file], { cwd: root, encoding: 'utf8' })
      t.equal(r.status, 0, `${r.stdout}\n${r.stderr}`)
    } finally { rmSync(file, { force: true }) }
  })
}
