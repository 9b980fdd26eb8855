// `pnpm bench` (turbo run bench): runs every tools/bench/<topic>/*.bench.ts in turn.
// LR_BENCH_QUICK=1 shrinks sizes where a benchmark supports it.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
const here = new URL('.', import.meta.url).pathname
const only = process.argv.slice(2)
for (const dir of readdirSync(here).sort()) {
  const p = join(here, dir)
  if (!statSync(p).isDirectory() || dir === 'node_modules' || (only.length && !only.includes(dir))) continue
  for (const f of readdirSync(p).filter((f) => f.endsWith('.bench.ts')).sort()) {
    console.log(`\n## ${dir}/${f}`)
    const r = spawnSync(process.execPath, [join(p, f)], { stdio: 'inherit' })
    if (r.status !== 0) process.exitCode = 1
  }
}
