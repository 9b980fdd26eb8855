import t from 'tap'
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const docs = ['../README.md', '../../../docs/svd.md'].map((p) => readFileSync(fileURLToPath(new URL(p, import.meta.url)), 'utf8'))
const blocks = docs.flatMap((d) => [...d.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!))
const dist = new URL('../dist/index.js', import.meta.url).href

t.test('every ts block of the README and docs/svd.md runs against the built package', async (t) => {
  t.ok(blocks.length >= 2, 'README and docs/svd.md have ts examples')
  const dir = mkdtempSync(join(tmpdir(), 'lr-svd-readme-'))
  try {
    blocks.forEach((code, i) => {
      const file = join(dir, `block${i}.ts`)
      writeFileSync(file, code.replaceAll(`from '@lr/svd'`, `from '${dist}'`))
      const r = spawnSync(process.execPath, [file], { encoding: 'utf8' })
      t.equal(r.status, 0, `block ${i} exits 0${r.status ? `: ${r.stderr}` : ''}`)
    })
  } finally { rmSync(dir, { recursive: true, force: true }) }
})
