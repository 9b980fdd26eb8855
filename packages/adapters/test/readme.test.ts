import t from 'tap'
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8')
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
const dist = new URL('../dist/index.js', import.meta.url).href
const svdDist = new URL('../../svd/dist/index.js', import.meta.url).href

t.test('every ts block of the README runs against the built package', async (t) => {
  t.ok(blocks.length >= 1, 'README has a ts example')
  const dir = mkdtempSync(join(tmpdir(), 'lr-adapters-readme-'))
  try {
    blocks.forEach((code, i) => {
      const file = join(dir, `block${i}.ts`)
      writeFileSync(file, code.replaceAll(`from '@lr/adapters'`, `from '${dist}'`).replaceAll(`from '@lr/svd'`, `from '${svdDist}'`))
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8' })
      t.equal(r.status, 0, `block ${i} exits 0${r.status ? `: ${r.stderr}` : ''}`)
    })
  } finally { rmSync(dir, { recursive: true, force: true }) }
})
