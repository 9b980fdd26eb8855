// Peak memory of `lr lora extract` on a generated multi-GB BF16 (base, tuned) pair, measured with /usr/bin/time -v.
// The pair: LAYERS layers × one [4096, 11008] BF16 weight each (llama-7B MLP shape), tuned = base + a rank-32 update
// + noise; written to os.tmpdir(), deleted afterwards. Prints the figures for the package README.
// Run: node packages/adapters/scripts/peak-memory.ts [layers=8] [rank=16]
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fromFloat32 } from '@lr/io-safetensors'
import { writeSafetensors } from '@lr/io-safetensors/node'

const LAYERS = Number(process.argv[2] ?? 8), RANK = Number(process.argv[3] ?? 16)
const OUT = 4096, IN = 11008, DELTA_RANK = 32
const dir = mkdtempSync(join(tmpdir(), 'lr-peak-'))
const bin = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url))
let seed = 12345
const rand = (): number => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 2 ** 32 - 0.5 }
try {
  const specs = Array.from({ length: LAYERS }, (_, l) => ({ name: `model.layers.${l}.mlp.down_proj.weight`, dtype: 'BF16' as const, shape: [OUT, IN] }))
  async function* gen(tuned: boolean) {
    for (let l = 0; l < LAYERS; l++) {
      seed = 1000 + l
      const w = new Float32Array(OUT * IN)
      for (let i = 0; i < w.length; i++) w[i] = 0.02 * rand()
      if (tuned) {
        const u = Float32Array.from({ length: OUT * DELTA_RANK }, () => rand()), v = Float32Array.from({ length: DELTA_RANK * IN }, () => rand())
        for (let i = 0; i < OUT; i++) for (let k = 0; k < DELTA_RANK; k++) {
          const g = 0.002 * u[i * DELTA_RANK + k]! / (k + 1)
          for (let j = 0; j < IN; j++) w[i * IN + j] = w[i * IN + j]! + g * v[k * IN + j]!
        }
      }
      yield fromFloat32(specs[l]!.name, specs[l]!.shape, w, 'BF16')
    }
  }
  for (const name of ['base', 'tuned']) {
    const r = await writeSafetensors(join(dir, `${name}.safetensors`), gen(name === 'tuned'), { specs, metadata: { format: 'pt' } })()
    if (r._tag === 'Left') throw r.left
  }
  const fileBytes = statSync(join(dir, 'base.safetensors')).size + statSync(join(dir, 'tuned.safetensors')).size
  const pairBf16 = 2 * OUT * IN * 2, pairF32 = 2 * OUT * IN * 4
  const t0 = performance.now()
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, bin, 'lora', 'extract', '--base', join(dir, 'base.safetensors'), '--tuned', join(dir, 'tuned.safetensors'),
    '--rank', String(RANK), '--out', join(dir, 'out'), '--json'], { encoding: 'utf8', maxBuffer: 1 << 26 })
  const seconds = (performance.now() - t0) / 1000
  if (r.status !== 0) throw new Error(`extract failed: ${r.stderr}`)
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)![1])
  const summary = JSON.parse(r.stdout) as { totalRelativeError: number; largestPairBytes: number }
  const mb = (b: number) => (b / 1e6).toFixed(0)
  console.log(`pair on disk: ${(fileBytes / 1e9).toFixed(2)} GB (${LAYERS} layers × [${OUT}, ${IN}] BF16, two checkpoints)`)
  console.log(`largest module pair: ${mb(pairBf16)} MB as stored (BF16), ${mb(pairF32)} MB as f32; reported by extract: ${mb(summary.largestPairBytes)} MB`)
  console.log(`peak RSS of lr lora extract --rank ${RANK}: ${mb(rssKb * 1024)} MB (limit 2 × pair + 200 MB = ${mb(2 * pairBf16 + 200e6)} MB with the BF16 pair)`)
  console.log(`wall time ${seconds.toFixed(1)} s; total relative error ${summary.totalRelativeError.toFixed(4)}`)
} finally {
  rmSync(dir, { recursive: true, force: true })
}
