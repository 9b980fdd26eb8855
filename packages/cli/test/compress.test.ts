import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { toFloat32 } from '@lr/io-safetensors'
import { openCheckpoint, type Checkpoint } from '@lr/io-safetensors/node'
import { calibratedError, svdCompress } from '@lr/quant'
import { matrix } from '@lr/svd'
import { makeModel, PROJ } from './quantFixture.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })
const scratch = mkdtempSync(join(tmpdir(), 'lr-cli-compress-'))
t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(scratch, { recursive: true, force: true })))
const open = async (p: string): Promise<Checkpoint> => { const r = await openCheckpoint(p)(); if (E.isLeft(r)) throw r.left; return r.right }
const f32 = async (ck: Checkpoint, name: string): Promise<Float32Array> => { const r = await ck.readTensor(name)(); if (E.isLeft(r)) throw r.left; return toFloat32(r.right) }
const product = (u: Float32Array, v: Float32Array, m: number, r: number, n: number): Float32Array => {
  const out = new Float32Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { let s = 0; for (let k = 0; k < r; k++) s += u[i * r + k]! * v[k * n + j]!; out[i * n + j] = s }
  return out
}
// BF16 storage of U and V: each factor carries a relative rounding of 2⁻⁹, the product ~2·2⁻⁹ of ‖W‖.
const BF16_PRODUCT_REL = 2 * 2 ** -8

const fx = makeModel(join(scratch, 'fx'))

t.test('lr compress --method svd --rank 4 writes factored-v1 with U·V = the optimal truncation', async (t) => {
  const { model } = await fx
  const out = join(scratch, 'svd4')
  const r = lr('compress', model, '--method', 'svd', '--rank', '4', '--out', out, '--json')
  t.equal(r.status, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as { format: string; layers: { name: string; rank: number }[]; linearParamsAfter: number }
  t.equal(doc.format, 'factored-v1')
  t.equal(doc.layers.length, 14)
  t.same(readdirSync(out).sort(), ['config.json', 'model.safetensors'])
  const ck = await open(out), src = await open(model)
  t.equal(ck.metadata['lr_format'], 'factored-v1')
  t.ok(ck.tensors.some((x) => x.name === 'model.embed_tokens.weight' && x.dtype === 'BF16'), 'embeddings untouched')
  t.notOk(ck.tensors.some((x) => x.name === 'model.layers.0.mlp.down_proj.weight'), 'dense weight replaced')
  for (const [p, [m, n]] of Object.entries(PROJ)) {
    const name = `model.layers.1.${p}`
    const u = ck.tensors.find((x) => x.name === `${name}.weight_u`)!, v = ck.tensors.find((x) => x.name === `${name}.weight_v`)!
    t.same([u.shape, v.shape, u.dtype], [[m, 4], [4, n], 'BF16'], name)
    const w = await f32(src, `${name}.weight`)
    const got = product(await f32(ck, `${name}.weight_u`), await f32(ck, `${name}.weight_v`), m, 4, n)
    const ref = svdCompress(matrix(w, m, n), { rank: 4 })
    const want = product(ref.u.data, ref.v.data, m, 4, n)
    const err = Math.sqrt(calibratedError(matrix(got, m, n), matrix(want, m, n))), norm = Math.sqrt(calibratedError(matrix(w, m, n), matrix(new Float32Array(m * n), m, n)))
    t.ok(err <= BF16_PRODUCT_REL * norm, `${name}: ‖UV − W₄‖ ${err} vs ‖W‖ ${norm}`)
  }
  await Promise.all([ck.close(), src.close()])
})

t.test('--dense writes a complete model in the input dtype; --ratio, svd-llm, asvd and --eora', async (t) => {
  const { model, calib } = await fx
  const out = join(scratch, 'dense')
  const r = lr('compress', model, '--method', 'svd-llm', '--ratio', '0.4', '--calib', calib, '--eora', '2', '--dense', '--out', out, '--json')
  t.equal(r.status, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as { layers: { name: string; rank: number; calibratedError: number; calibratedErrorEora: number }[] }
  const ck = await open(out), src = await open(model)
  t.same(ck.tensors.map((x) => [x.name, x.dtype, x.shape]), src.tensors.map((x) => [x.name, x.dtype, x.shape]), 'same names, dtypes, shapes')
  t.ok(existsSync(join(out, 'config.json')))
  const q = doc.layers.find((l) => l.name === 'model.layers.0.self_attn.q_proj.weight')!
  t.equal(q.rank, Math.floor((0.6 * 32 * 32) / 64) + 2, 'rank for ratio 0.4 plus the EoRA rank')
  for (const l of doc.layers) t.ok(l.calibratedErrorEora <= l.calibratedError, `${l.name}: EoRA does not increase the calibrated error`)
  await Promise.all([ck.close(), src.close()])
  const a = lr('compress', model, '--method', 'asvd', '--ratio', '0.5', '--calib', calib, '--out', join(scratch, 'asvd'), '--json')
  t.equal(a.status, 0, a.stderr)
})

t.test('bad input: a clear error and nothing written', async (t) => {
  const { model, calib } = await fx
  const singular = (await makeModel(join(scratch, 'fx2'), { singularQ: true })).calib
  const cases: [string[], number, RegExp][] = [
    [['--method', 'svd', '--ratio', '1.5'], 2, /--ratio must be in \(0, 1\)/],
    [['--method', 'svd', '--ratio', '0'], 2, /--ratio must be in \(0, 1\)/],
    [['--method', 'svd', '--rank', '17'], 1, /InvalidArgument: .*17 exceeds min\(out, in\) = 16 of "model.layers.0.self_attn.k_proj.weight"/],
    [['--method', 'svd', '--ratio', '0.4', '--rank', '3'], 2, /exactly one of --ratio and --rank/],
    [['--method', 'svd-llm', '--ratio', '0.4'], 2, /needs --calib/],
    [['--method', 'fwsvd', '--ratio', '0.4'], 2, /needs --fisher/],
    [['--method', 'svd-llm', '--ratio', '0.4', '--calib', join(ROOT, '../shared/fixtures/tinyllama-bytes/calib_code.safetensors')], 1, /MissingStatistics: .*Σ x·xᵀ|MissingStatistics: .*shape/],
    [['--method', 'fwsvd', '--ratio', '0.4', '--fisher', calib], 1, /MissingStatistics: .*(no Fisher importances|expected \[32\] or \[32, 48\])/],
    [['--method', 'svd-llm', '--ratio', '0.4', '--calib', singular, '--no-jitter'], 1, /NotPositiveDefinite/],
  ]
  for (const [i, [args, code, msg]] of cases.entries()) {
    const out = join(scratch, `bad${i}`)
    const r = lr('compress', model, ...args, '--out', out)
    t.equal(r.status, code, `${args.join(' ')}: exit ${code}`)
    t.match(r.stderr, msg, args.join(' '))
    t.notOk(existsSync(out) || existsSync(`${out}.partial`), 'nothing written')
  }
  const ok = lr('compress', model, '--method', 'svd-llm', '--ratio', '0.4', '--calib', singular, '--out', join(scratch, 'jitter'), '--json')
  t.equal(ok.status, 0, ok.stderr)
  t.ok((JSON.parse(ok.stdout) as { layers: { jitter: number }[] }).layers.some((l) => l.jitter > 0), 'the ridge is reported')
})
