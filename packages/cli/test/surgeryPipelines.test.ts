// `lr quantize int4|nf4|svdquant` and `lr compress` are pipelines (readCheckpoint → mapTensor → writeCheckpoint of
// @lr/pipeline). Their files must be byte for byte what the direct construction gives: every tensor computed by
// @lr/quant's functions in checkpoint order and written once by @lr/io-safetensors' writeCheckpoint with the same
// metadata, specs and companion files (what the commands wrote before they became pipelines).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { fromFloat32, toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { openCheckpoint, writeCheckpoint, type Checkpoint } from '@lr/io-safetensors/node'
import { compressLinear, dequantize, isLinearWeight, quantizeIntK, quantizeNf4 } from '@lr/quant'
import { matrix } from '@lr/svd'
import { companionFiles, denseProduct } from '../src/modelSurgery.js'
import { makeModel } from './quantFixture.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })
const scratch = mkdtempSync(join(tmpdir(), 'lr-cli-surgery-'))
t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(scratch, { recursive: true, force: true })))
const ok = async <A>(te: () => Promise<E.Either<unknown, A>>): Promise<A> => { const r = await te(); if (E.isLeft(r)) throw r.left; return r.right }
const fx = makeModel(join(scratch, 'fx'))

/** Writes the expected checkpoint: `f` maps each linear weight (f32 [out, in]) to its output tensors. */
const expected = async (model: string, dir: string, metadata: Record<string, string>, f: (module: string, w: ReturnType<typeof matrix<Float32Array>>, t: NamedTensor) => NamedTensor[]): Promise<void> => {
  const ck: Checkpoint = await ok(openCheckpoint(model))
  const out: NamedTensor[] = []
  for (const info of ck.tensors) {
    const t = await ok(ck.readTensor(info.name))
    out.push(...(isLinearWeight(t.name, t.shape) ? f(t.name.slice(0, -'.weight'.length), matrix(toFloat32(t), t.shape[0]!, t.shape[1]!), t) : [t]))
  }
  await ck.close()
  await ok(writeCheckpoint(dir, out, { metadata, extraFiles: await companionFiles(model) }))
}
const same = (t: Tap.Test, a: string, b: string, what: string): void => {
  const x = readFileSync(join(a, 'model.safetensors')), y = readFileSync(join(b, 'model.safetensors'))
  t.ok(x.equals(y), `${what}: model.safetensors byte for byte (${x.length} vs ${y.length} bytes)`)
  t.equal(readFileSync(join(a, 'config.json'), 'utf8'), readFileSync(join(b, 'config.json'), 'utf8'), `${what}: config.json copied`)
}

t.test('lr quantize int4 / nf4 --dense are the direct construction byte for byte', async (t) => {
  const { model } = await fx
  t.equal(lr('quantize', 'int4', model, '--group', '16', '--out', join(scratch, 'int4')).status, 0)
  await expected(model, join(scratch, 'int4-ref'), { format: 'pt', lr_format: 'quant-int-v1', lr_quant: JSON.stringify({ bits: 4, groupSize: 16, isSymmetric: true, bitOrder: 'lsb-first' }) }, (m, w) => {
    const q = quantizeIntK(w, { bits: 4, groupSize: 16 }), [o, i] = w.shape, g = Math.ceil(i / 16)
    return [{ name: `${m}.weight_packed`, dtype: 'U8', shape: [o, i / 2], data: q.codes }, { name: `${m}.weight_scales`, dtype: 'F32', shape: [o, g], data: q.scales },
      { name: `${m}.weight_zeros`, dtype: 'U8', shape: [o, g], data: q.zeros }]
  })
  same(t, join(scratch, 'int4'), join(scratch, 'int4-ref'), 'int4')
  t.equal(lr('quantize', 'nf4', model, '--dense', '--out', join(scratch, 'nf4d')).status, 0)
  await expected(model, join(scratch, 'nf4d-ref'), { format: 'pt' }, (m, w, src) => [fromFloat32(`${m}.weight`, [...src.shape], dequantize(quantizeNf4(w)).data, 'BF16')])
  same(t, join(scratch, 'nf4d'), join(scratch, 'nf4d-ref'), 'nf4 --dense')
})

t.test('lr compress (factored and --dense) is the direct construction byte for byte', async (t) => {
  const { model } = await fx
  t.equal(lr('compress', model, '--method', 'svd', '--rank', '4', '--out', join(scratch, 'svd')).status, 0)
  await expected(model, join(scratch, 'svd-ref'), { format: 'pt', lr_format: 'factored-v1', lr_method: 'svd', lr_rank: '4' }, (m, w) => {
    const { u, v } = compressLinear(w, { method: 'svd', rank: 4 })
    return [fromFloat32(`${m}.weight_u`, [w.shape[0], 4], u.data, 'BF16'), fromFloat32(`${m}.weight_v`, [4, w.shape[1]], v.data, 'BF16')]
  })
  same(t, join(scratch, 'svd'), join(scratch, 'svd-ref'), 'compress svd')
  t.equal(lr('compress', model, '--method', 'svd', '--rank', '4', '--dense', '--out', join(scratch, 'svdd')).status, 0)
  await expected(model, join(scratch, 'svdd-ref'), { format: 'pt' }, (m, w, src) => {
    const { u, v } = compressLinear(w, { method: 'svd', rank: 4 })
    return [fromFloat32(`${m}.weight`, [...src.shape], denseProduct(u, v), 'BF16')]
  })
  same(t, join(scratch, 'svdd'), join(scratch, 'svdd-ref'), 'compress svd --dense')
})
