import t from 'tap'
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const dist = new URL('../dist/index.js', import.meta.url).href
const svdDist = new URL('../../svd/dist/index.js', import.meta.url).href
const DOCS = ['lora-merge.md', 'lora-init.md', 'lora-extract.md']

t.test('every ts example in the adapters docs runs against the built packages', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-adapters-docs-'))
  try {
    for (const doc of DOCS) {
      const text = readFileSync(fileURLToPath(new URL(`../../../docs/${doc}`, import.meta.url)), 'utf8')
      const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!)
      t.ok(blocks.length >= 1, `${doc} has a ts example`)
      blocks.forEach((code, i) => {
        const file = join(dir, `${doc}-${i}.ts`)
        writeFileSync(file, code.replaceAll(`from '@lr/adapters'`, `from '${dist}'`).replaceAll(`from '@lr/svd'`, `from '${svdDist}'`))
        const r = spawnSync(process.execPath, [file], { encoding: 'utf8' })
        t.equal(r.status, 0, `${doc} block ${i} exits 0${r.status ? `: ${r.stderr}` : ''}`)
      })
    }
  } finally { rmSync(dir, { recursive: true, force: true }) }
})
