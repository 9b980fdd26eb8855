import t from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// Runs every ts code block of the README as a module that imports the package by its name.
const pkg = fileURLToPath(new URL('..', import.meta.url))
const readme = readFileSync(`${pkg}README.md`, 'utf8')
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)

t.test('README examples run', async (t) => {
  t.ok(blocks.length >= 1, `${blocks.length} ts block(s)`)
  const dir = `${pkg}.readme-tmp`
  mkdirSync(dir, { recursive: true })
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const [i, code] of blocks.entries()) {
    const file = `${dir}/block${i}.ts`
    writeFileSync(file, code)
    const out = execFileSync(process.execPath, ['--no-warnings', file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    const expected = [...code.matchAll(/console\.log\(.*\) \/\/ (.*)$/gm)].map((m) => m[1]!.trim())
    t.same(out.trim().split('\n').filter((l) => l.length > 0 && !l.startsWith('Warning: ')), expected, `block ${i} prints what its comments say`)
  }
})
