// `lr svd` as a whole process vs python3 + numpy as a whole process, both computing the singular
// values of one n×n f32 safetensors tensor (default n = 2048; LR_BENCH_N to change), and where the
// lr process spends its time. One run, medians of LR_BENCH_RUNS (default 3) per row.
//   node tools/bench/svd/process.bench.ts
// Phases of lr (each row is measured separately, so the differences are the phase costs):
//   node start          `node -e 0`
//   + module load       `lr svd --help` (node start, the svd command's modules, commander, no work)
//   read + decode       in this process: openCheckpoint + readFloat32 (+ the f64 copy lr svd makes)
//   svd values          in this process: svd(…, { mode: 'values' }) on the same matrix, warm
//   whole process       `lr svd w.safetensors --tensor w --json` (includes the first-use costs:
//                       JIT warm-up, wasm compilation, worker start, first touch of fresh memory)
// python: `python3 -c "import numpy"` (start + import) and the whole script (read, np.linalg.svd
// with compute_uv=False, print). Ratio = lr / python (target ≤ 3× for the whole process).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { openCheckpoint } from '@lr/io-safetensors/node'
import { matrix, seededRng, svd } from '@lr/svd'

const n = Number(process.env['LR_BENCH_N'] ?? 2048)
const runs = Number(process.env['LR_BENCH_RUNS'] ?? 3)
const repo = fileURLToPath(new URL('../../..', import.meta.url))
const bin = join(repo, 'packages/cli/dist/bin.js')
const dir = mkdtempSync(join(tmpdir(), 'lr-svd-process-'))
const file = join(dir, 'w.safetensors')

// a one-tensor safetensors file: 8-byte header length, JSON header (padded to 8 bytes), raw f32 data
const rng = seededRng(5), data = new Float32Array(n * n)
for (let i = 0; i < data.length; i++) data[i] = rng.normal()
const header = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'F32', shape: [n, n], data_offsets: [0, data.byteLength] } }).padEnd(88, ' '))
const buf = new Uint8Array(8 + header.length + data.byteLength)
new DataView(buf.buffer).setBigUint64(0, BigInt(header.length), true)
buf.set(header, 8); buf.set(new Uint8Array(data.buffer), 8 + header.length)
writeFileSync(file, buf)

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]! }
const wallMs = (cmd: string, args: string[]): number => {
  const t0 = performance.now()
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return ms
}
const timesOf = (f: () => number): number => median(Array.from({ length: runs }, f))

const py = `import json, struct, numpy as np
b = open(${JSON.stringify(file)}, 'rb').read(); h = struct.unpack('<Q', b[:8])[0]; meta = json.loads(b[8:8 + h])['w']
A = np.frombuffer(b, dtype=np.float32, count=${n * n}, offset=8 + h).reshape(${n}, ${n})
s = np.linalg.svd(A, compute_uv=False); print(json.dumps({"singular_values": s.tolist()})[:40])`

const nodeStart = timesOf(() => wallMs(process.execPath, ['-e', '0']))
const lrLoad = timesOf(() => wallMs(process.execPath, [bin, 'svd', '--help']))
const readDecode = async (): Promise<number> => {
  const t0 = performance.now()
  const c = await openCheckpoint(file)()
  if (E.isLeft(c)) throw c.left
  const d = await c.right.readFloat32('w')()
  if (E.isLeft(d)) throw d.left
  const a = Float64Array.from(d.right)
  await c.right.close()
  const ms = performance.now() - t0
  if (a.length !== n * n) throw new Error('short read')
  return ms
}
const reads: number[] = []
for (let i = 0; i < runs; i++) reads.push(await readDecode())
const a64 = Float64Array.from(data)
svd(matrix(a64, n, n), { mode: 'values' }) // warm
const svdMs = timesOf(() => { const t0 = performance.now(); svd(matrix(a64, n, n), { mode: 'values' }); return performance.now() - t0 })
const lrWhole = timesOf(() => wallMs(process.execPath, [bin, 'svd', file, '--tensor', 'w', '--json']))
const pyImport = timesOf(() => wallMs('python3', ['-c', 'import numpy']))
const pyWhole = timesOf(() => wallMs('python3', ['-c', py]))

const f = (x: number): string => x.toFixed(0).padStart(9)
console.log(`CPU ${cpus()[0]?.model ?? '?'} × ${cpus().length}; Node ${process.version}; n = ${n} f32; median of ${runs}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)
console.log('phase                              lr_ms')
console.log(`node start (node -e 0)         ${f(nodeStart)}`)
console.log(`start + module load (--help)   ${f(lrLoad)}`)
console.log(`read + decode + f64 copy       ${f(median(reads))}`)
console.log(`svd values (warm, in process)  ${f(svdMs)}`)
console.log(`whole process                  ${f(lrWhole)}`)
console.log('')
console.log('                     lr_ms   python_ms     ratio')
console.log(`start + imports  ${f(lrLoad)}   ${f(pyImport)} ${(lrLoad / pyImport).toFixed(2).padStart(9)}`)
console.log(`whole process    ${f(lrWhole)}   ${f(pyWhole)} ${(lrWhole / pyWhole).toFixed(2).padStart(9)}`)
rmSync(dir, { recursive: true, force: true })
