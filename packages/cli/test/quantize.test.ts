import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { toFloat32 } from '@lr/io-safetensors'
import { openCheckpoint, type Checkpoint } from '@lr/io-safetensors/node'
import { dequantize, quantizeIntK, quantizeNf4, unpackCodes } from '@lr/quant'
import { matrix } from '@lr/svd'
import { makeModel } from './quantFixture.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })
const scratch = mkdtempSync(join(tmpdir(), 'lr-cli-quantize-'))
t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(scratch, { recursive: true, force: true })))
const open = async (p: string): Promise<Checkpoint> => { const r = await openCheckpoint(p)(); if (E.isLeft(r)) throw r.left; return r.right }
const raw = async (ck: Checkpoint, name: string) => { const r = await ck.readTensor(name)(); if (E.isLeft(r)) throw r.left; return r.right }
const fx = makeModel(join(scratch, 'fx'))
const W = 'model.layers.1.mlp.down_proj'

t.test('lr quantize int4 writes quant-int-v1 with the codes and scales of quantizeIntK', async (t) => {
  const { model } = await fx
  const out = join(scratch, 'int4')
  const r = lr('quantize', 'int4', model, '--group', '16', '--out', out, '--json')
  t.equal(r.status, 0, r.stderr)
  const ck = await open(out), src = await open(model)
  t.equal(ck.metadata['lr_format'], 'quant-int-v1')
  t.same(JSON.parse(ck.metadata['lr_quant']!), { bits: 4, groupSize: 16, isSymmetric: true, bitOrder: 'lsb-first' })
  const w = toFloat32(await raw(src, `${W}.weight`))
  const q = quantizeIntK(matrix(w, 32, 48), { bits: 4, groupSize: 16 })
  const packed = await raw(ck, `${W}.weight_packed`)
  t.same([packed.dtype, packed.shape], ['U8', [32, 24]])
  t.same(Array.from(packed.data as Uint8Array), Array.from(q.codes))
  t.same(Array.from((await raw(ck, `${W}.weight_scales`)).data as Float32Array), Array.from(q.scales))
  t.same(Array.from(unpackCodes(packed.data as Uint8Array, { bits: 4, count: 4 })).length, 4)
  await Promise.all([ck.close(), src.close()])
})

t.test('lr quantize nf4 (bitsandbytes layout) and --dense', async (t) => {
  const { model } = await fx
  const out = join(scratch, 'nf4'), dense = join(scratch, 'nf4-dense')
  t.equal(lr('quantize', 'nf4', model, '--out', out).status, 0)
  t.equal(lr('quantize', 'nf4', model, '--dense', '--out', dense).status, 0)
  const ck = await open(out), dk = await open(dense), src = await open(model)
  const w = toFloat32(await raw(src, `${W}.weight`))
  const q = quantizeNf4(matrix(w, 32, 48))
  t.same(Array.from((await raw(ck, `${W}.weight_packed`)).data as Uint8Array), Array.from(q.codes))
  t.same(Array.from((await raw(ck, `${W}.weight_absmax`)).data as Float32Array), Array.from(q.absmax))
  const d = await raw(dk, `${W}.weight`)
  t.equal(d.dtype, 'BF16')
  const deq = dequantize(q).data, got = toFloat32(d)
  // the dense copy is the dequantized weight rounded to BF16 (relative 2⁻⁹)
  t.ok(got.every((v, i) => Math.abs(v - deq[i]!) <= 2 ** -8 * Math.abs(deq[i]!)), 'dense = dequantized NF4 in BF16')
  await Promise.all([ck.close(), dk.close(), src.close()])
})

t.test('lr quantize svdquant and --eora: calibrated errors improve on plain int4', async (t) => {
  const { model, calib } = await fx
  const plain = lr('quantize', 'int4', model, '--group', '16', '--calib', calib, '--eora', '4', '--out', join(scratch, 'int4e'), '--json')
  t.equal(plain.status, 0, plain.stderr)
  const sq = lr('quantize', 'svdquant', model, '--bits', '4', '--rank', '4', '--group', '16', '--calib', calib, '--out', join(scratch, 'sq'), '--json')
  t.equal(sq.status, 0, sq.stderr)
  const a = JSON.parse(plain.stdout) as { layers: { calibratedError: number; calibratedErrorEora: number }[] }
  const b = JSON.parse(sq.stdout) as { layers: { calibratedError: number }[] }
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0)
  t.ok(sum(a.layers.map((l) => l.calibratedErrorEora)) < sum(a.layers.map((l) => l.calibratedError)), 'EoRA lowers the int4 error')
  t.ok(sum(b.layers.map((l) => l.calibratedError)) < sum(a.layers.map((l) => l.calibratedError)), 'SVDQuant < int4 at the same group size')
  const ck = await open(join(scratch, 'sq'))
  t.equal(ck.metadata['lr_format'], 'svdquant-v1')
  t.same(ck.tensors.find((x) => x.name === `${W}.weight_lr_up`)!.shape, [32, 4])
  await ck.close()
})

t.test('bad input', async (t) => {
  const { model } = await fx
  const cases: [string[], number, RegExp][] = [
    [['svdquant', model, '--rank', '4'], 2, /needs --calib/],
    [['int4', model, '--eora', '4'], 2, /--eora needs --calib/],
    [['int4', model, '--group', '0'], 2, /--group must be an integer/],
    [['svdquant', model, '--rank', '40', '--calib', join(scratch, 'fx', 'calib.safetensors')], 1, /InvalidArgument: .*40 exceeds min/],
  ]
  for (const [i, [args, code, msg]] of cases.entries()) {
    const out = join(scratch, `bad${i}`)
    const r = lr('quantize', ...args, '--out', out)
    t.equal(r.status, code, args.join(' '))
    t.match(r.stderr, msg)
    t.notOk(existsSync(out) || existsSync(`${out}.partial`), 'nothing written')
  }
})
