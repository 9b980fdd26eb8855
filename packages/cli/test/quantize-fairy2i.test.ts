import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { toFloat32, fromFloat32 } from '@lr/io-safetensors'
import { openCheckpoint, writeSafetensors, type Checkpoint } from '@lr/io-safetensors/node'
import { fairy2iQuantize, fairy2iDequantize, fairy2iLayerNames, readFairy2iLayer, FAIRY2I_FORMAT } from '@lr/quant-complex'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })
const scratch = mkdtempSync(join(tmpdir(), 'lr-cli-fairy2i-'))
t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(scratch, { recursive: true, force: true })))
const open = async (p: string): Promise<Checkpoint> => { const r = await openCheckpoint(p)(); if (E.isLeft(r)) throw r.left; return r.right }
const readF32 = async (ck: Checkpoint, name: string) => { const r = await ck.readFloat32(name)(); if (E.isLeft(r)) throw r.left; return r.right }
const MODEL = join(ROOT, 'examples/tinyllama-base')

interface Summary { format: string; stages: number; quantized_layers: number; bits_per_weight: number; layers: { name: string; rel_error: number }[]; skipped: { name: string; reason: string }[] }

t.test('packed output reads back to exactly the codes and scales of fairy2iQuantize; norms and embeddings untouched', async (t) => {
  const out = join(scratch, 'packed')
  const r = lr('quantize', 'fairy2i', MODEL, '--stages', '2', '--out', out, '--skip', 'lm_head', '--json')
  t.equal(r.status, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as Summary
  t.equal(doc.format, FAIRY2I_FORMAT)
  t.equal(doc.quantized_layers, 28, '7 linears × 4 layers')
  t.same(doc.skipped.map((s) => s.name), ['lm_head.weight'])
  t.ok(doc.bits_per_weight > 2 && doc.bits_per_weight < 2.02, `2 bits per weight plus scales: ${doc.bits_per_weight}`)
  t.same(readdirSync(out).sort(), ['config.json', 'generation_config.json', 'model.safetensors'])
  t.equal(readFileSync(join(out, 'config.json'), 'utf8'), readFileSync(join(MODEL, 'config.json'), 'utf8'))
  const src = await open(MODEL), dst = await open(out)
  t.equal(dst.metadata['lr_format'], FAIRY2I_FORMAT)
  t.equal(dst.metadata['fairy2i_stages'], '2')
  const names = fairy2iLayerNames(dst.tensors.map((x) => x.name))
  t.equal(names.length, 28)
  for (const name of ['model.layers.0.self_attn.q_proj.weight', 'model.layers.3.mlp.down_proj.weight']) {
    const info = src.tensors.find((x) => x.name === name)!
    const want = fairy2iQuantize({ data: await readF32(src, name), shape: info.shape as [number, number], stride: [info.shape[1]!, 1], offset: 0 }, { stages: 2 })
    const got = await readFairy2iLayer(dst, name)()
    if (E.isLeft(got)) throw got.left
    t.same([got.right.rows, got.right.cols], [...info.shape])
    got.right.stages.forEach((s, i) => {
      t.same(Buffer.from(s.u.codes), Buffer.from(want.stages[i]!.u.codes), `${name} stage ${i} U codes`)
      t.same(Buffer.from(s.w.codes), Buffer.from(want.stages[i]!.w.codes), `${name} stage ${i} W codes`)
      t.same([s.u.scaleRe, s.u.scaleIm, s.w.scaleRe, s.w.scaleIm], [want.stages[i]!.u.scaleRe, want.stages[i]!.u.scaleIm, want.stages[i]!.w.scaleRe, want.stages[i]!.w.scaleIm])
    })
  }
  for (const name of ['model.embed_tokens.weight', 'model.norm.weight', 'lm_head.weight']) {
    t.same(Buffer.from((await readF32(dst, name)).buffer), Buffer.from((await readF32(src, name)).buffer), `${name} unchanged`)
  }
  await Promise.all([src.close(), dst.close()])
})

t.test('--dense writes a model directory in the input dtype holding the dequantized matrices', async (t) => {
  const out = join(scratch, 'dense')
  const r = lr('quantize', 'fairy2i', MODEL, '--stages', '1', '--out', out, '--dense')
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /fairy2i T=1: quantized 29 linear weights/)
  t.match(r.stdout, /lm_head\.weight\s+\[256, 256\]\s+rel err 0\.\d{4}/)
  t.ok(readdirSync(out).includes('config.json'))
  const src = await open(MODEL), dst = await open(out)
  t.same(dst.tensors.map((x) => [x.name, x.dtype, x.shape]), src.tensors.map((x) => [x.name, x.dtype, x.shape]), 'same names, dtypes (BF16) and shapes')
  const name = 'model.layers.2.mlp.up_proj.weight', info = src.tensors.find((x) => x.name === name)!
  const dense = fairy2iDequantize(fairy2iQuantize({ data: await readF32(src, name), shape: info.shape as [number, number], stride: [info.shape[1]!, 1], offset: 0 }, { stages: 1 })).data
  const want = toFloat32(fromFloat32(name, info.shape, dense, 'BF16'))
  t.same(Buffer.from((await readF32(dst, name)).buffer), Buffer.from(want.buffer), 'BF16 of the dequantized matrix')
  await Promise.all([src.close(), dst.close()])
})

t.test('bad input: --stages outside 1…8 (exit 2), NaN weight (exit 1, tensor named), odd shapes skipped and listed; nothing partial written', async (t) => {
  const out = join(scratch, 'bad')
  for (const s of ['0', '9', '1.5', 'two']) {
    const r = lr('quantize', 'fairy2i', MODEL, '--stages', s, '--out', out)
    t.equal(r.status, 2, `--stages ${s}`)
    t.match(r.stderr, /--stages must be an integer in 1…8/)
  }
  t.notOk(existsSync(out))
  const nanModel = join(scratch, 'nan.safetensors')
  const w = new Float32Array(16).fill(0.5); w[9] = NaN
  const written = await writeSafetensors(nanModel, [
    fromFloat32('a.weight', [4, 4], new Float32Array(16).fill(1), 'F32'),
    fromFloat32('b.weight', [4, 4], w, 'F32'),
    fromFloat32('odd.weight', [3, 4], new Float32Array(12).fill(1), 'F32'),
  ])()
  t.ok(E.isRight(written))
  const r = lr('quantize', 'fairy2i', nanModel, '--out', out)
  t.equal(r.status, 1)
  t.match(r.stderr, /lr: NotFinite: .*"b\.weight".*NaN at \[2, 1\]/)
  t.notOk(existsSync(out), 'no output')
  t.notOk(existsSync(`${out}.partial`), 'no partial directory')
  const okModel = join(scratch, 'odd.safetensors')
  t.ok(E.isRight(await writeSafetensors(okModel, [fromFloat32('a.weight', [4, 4], new Float32Array(16).map((_, i) => i - 8), 'F32'), fromFloat32('odd.weight', [3, 4], new Float32Array(12).fill(1), 'F32')])()))
  const ok = lr('quantize', 'fairy2i', okModel, '--out', join(scratch, 'odd-out'), '--json')
  t.equal(ok.status, 0, ok.stderr)
  const doc = JSON.parse(ok.stdout) as Summary
  t.same(doc.skipped, [{ name: 'odd.weight', shape: [3, 4], reason: 'odd dimension: no widely-linear form' }])
  t.equal(doc.quantized_layers, 1)
})
