import t from 'tap'
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const pkgDir = fileURLToPath(new URL('..', import.meta.url))
const blocks = [...readFileSync(`${pkgDir}/README.md`, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)

t.test('README has runnable ts examples', async (t) => { t.ok(blocks.length >= 1) })
blocks.forEach((code, i) => {
  t.test(`README example ${i + 1} runs`, async (t) => {
    // Inside the package directory so that `@lr/pipeline` resolves to itself (its dist/).
    const file = `${pkgDir}/.readme-example-${i}-${process.pid}.ts`
    writeFileSync(file, code)
    try {
      const r = spawnSync(process.execPath, ['--experimental-strip-types', '--no-warnings', file], { cwd: pkgDir, encoding: 'utf8' })
      t.equal(r.status, 0, r.stderr)
    } finally { rmSync(file, { force: true }) }
  })
})
