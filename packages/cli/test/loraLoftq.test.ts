import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { toFloat32 } from '@lr/io-safetensors'
import { openCheckpoint, type Checkpoint } from '@lr/io-safetensors/node'
import { dequantize, loftqInit, NF4_CODEBOOK } from '@lr/quant'
import { matrix } from '@lr/svd'
import { makeModel } from './quantFixture.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })
const scratch = mkdtempSync(join(tmpdir(), 'lr-cli-loftq-'))
t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(scratch, { recursive: true, force: true })))
const open = async (p: string): Promise<Checkpoint> => { const r = await openCheckpoint(p)(); if (E.isLeft(r)) throw r.left; return r.right }
const raw = async (ck: Checkpoint, name: string) => { const r = await ck.readTensor(name)(); if (E.isLeft(r)) throw r.left; return r.right }
const M = 'model.layers.1.mlp.down_proj'

t.test('lr lora init loftq writes the NF4 base and a PEFT adapter equal to loftqInit', async (t) => {
  const { model } = await makeModel(join(scratch, 'fx'))
  const out = join(scratch, 'loftq')
  const r = lr('lora', 'init', 'loftq', '--model', model, '--bits', '4', '--rank', '4', '--iters', '2', '--out', out, '--json')
  t.equal(r.status, 0, r.stderr)
  const cfg = JSON.parse(readFileSync(join(out, 'adapter', 'adapter_config.json'), 'utf8')) as Record<string, unknown>
  t.equal(cfg['init_lora_weights'], 'loftq')
  t.same(cfg['loftq_config'], { loftq_bits: 4, loftq_iter: 2 })
  t.equal(cfg['r'], 4)
  const ad = await open(join(out, 'adapter', 'adapter_model.safetensors')), q = await open(join(out, 'quantized_model')), src = await open(model)
  t.equal(q.metadata['lr_format'], 'quant-nf4-v1')
  const w = toFloat32(await raw(src, `${M}.weight`))
  const ref = loftqInit(matrix(w, 32, 48), { rank: 4, iters: 2 })
  t.same(Array.from((await raw(q, `${M}.weight_packed`)).data as Uint8Array), Array.from(ref.quantized.codes), 'NF4 codes')
  const a = toFloat32(await raw(ad, `base_model.model.${M}.lora_A.weight`)), b = toFloat32(await raw(ad, `base_model.model.${M}.lora_B.weight`))
  t.same(Array.from(a), Array.from(ref.loraA.data), 'lora_A')
  t.same(Array.from(b), Array.from(ref.loraB.data), 'lora_B')
  t.ok(NF4_CODEBOOK.length === 16 && dequantize(ref.quantized).data.length === 32 * 48)
  await Promise.all([ad.close(), q.close(), src.close()])
  const bad = lr('lora', 'init', 'loftq', '--model', model, '--bits', '2', '--rank', '4', '--out', join(scratch, 'bad'))
  t.equal(bad.status, 1)
  t.match(bad.stderr, /only 4-bit NF4/)
  t.notOk(existsSync(join(scratch, 'bad')))
})
