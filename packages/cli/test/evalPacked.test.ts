// `lr eval` reads the packed outputs of `lr quantize` (quant-int-v1, quant-nf4-v1) without densifying them: on an F32
// copy of tinyllama-bytes/base (so that --dense holds exactly the dequantized values), the loss of the packed checkpoint
// equals the loss of its --dense twin up to the summation order of the quantized matmul, and `lr quantize --eval`
// reports the packed path's loss.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { fromFloat32, toFloat32 } from '@lr/io-safetensors'
import { writeCheckpoint } from '@lr/io-safetensors/node'
import { readAllTensors } from '@lr/pipeline/node'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const BASE = join(FIXTURES, 'tinyllama-bytes/base')
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })
const scratch = mkdtempSync(join(tmpdir(), 'lr-cli-eval-packed-'))
t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(scratch, { recursive: true, force: true })))
/** f32 forwards of the same weights that differ only in the summation order of the linear layers (f64 decode-and-dot
 *  blocks vs the dense gemm): per-logit relative differences of ~1e-7 average out to ≪ 1e-5 nats in the mean loss. */
const LOSS_TOL = 1e-5
const ROWS = 4

t.test('lr eval on packed int4 / NF4 equals lr eval on the --dense output', async (t) => {
  const model = join(scratch, 'f32'), rows = join(scratch, 'rows.u8')
  const tensors = await readAllTensors(BASE)
  const r = await writeCheckpoint(model, [...tensors.values()].map((x) => fromFloat32(x.name, [...x.shape], toFloat32(x), 'F32')),
    { metadata: { format: 'pt' }, extraFiles: { 'config.json': readFileSync(join(BASE, 'config.json')) } })()
  if (E.isLeft(r)) throw r.left
  writeFileSync(rows, readFileSync(join(FIXTURES, 'tinyllama-bytes/eval_code.u8')).subarray(0, ROWS * 257))
  const loss = (dir: string): number => { const e = lr('eval', dir, '--data', rows, '--json'); t.equal(e.status, 0, e.stderr); return (JSON.parse(e.stdout) as { loss: number }).loss }
  for (const [method, args] of [['int4', ['--group', '128']], ['nf4', []]] as const) {
    const packed = join(scratch, `${method}-packed`), dense = join(scratch, `${method}-dense`)
    const q = lr('quantize', method, model, ...args, '--out', packed, '--eval', rows, '--json')
    t.equal(q.status, 0, q.stderr)
    t.equal(lr('quantize', method, model, ...args, '--dense', '--out', dense).status, 0)
    const lp = loss(packed), ld = loss(dense)
    t.ok(Math.abs(lp - ld) <= LOSS_TOL, `${method}: packed ${lp} vs dense ${ld} (|Δ| = ${Math.abs(lp - ld).toExponential(2)})`)
    t.equal((JSON.parse(q.stdout) as { loss: { loss: number } }).loss.loss, lp, `${method}: lr quantize --eval reports the packed path's loss`)
  }
})
