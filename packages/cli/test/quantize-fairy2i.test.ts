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
import { evaluateLoss, mapLinears, denseLinear } from '@lr/pipeline'
import { loadLlama } from '@lr/pipeline/node'
import { writeFileSync } from 'node:fs'

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

// The packed model runs through fairy2iApply (f32 sums of table entries), the reference through a dense f32 matmul of
// fairy2iDequantize: both are f32 forwards of the same weights, so the losses agree to f32 rounding through 4 layers
// (≈ 1e-6 relative per op; 1e-4 nats is far above it and far below the quantization effect, ≈ 0.9 nats).
const LOSS_F32_TOL = 1e-4

t.test('--eval: loss before and after; packed layers run without densifying; dense output evaluates as lr eval does', async (t) => {
  const rows = join(scratch, 'eval4.u8')
  writeFileSync(rows, readFileSync(join(ROOT, 'examples/eval_code.u8')).subarray(0, 2 * 257))
  const base = await loadLlama(MODEL)()
  if (E.isLeft(base)) throw base.left
  const bytes = new Uint8Array(readFileSync(rows))
  const loss = async (m: typeof base.right) => { const r = await evaluateLoss(m, bytes)(); if (E.isLeft(r)) throw r.left; return r.right.loss }
  const before = await loss(base.right)

  const packedOut = join(scratch, 'eval-packed')
  const r = lr('quantize', 'fairy2i', MODEL, '--stages', '2', '--out', packedOut, '--eval', rows, '--json')
  t.equal(r.status, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as { eval: { loss_before: number; loss_after: number; tokens: number } }
  t.equal(doc.eval.loss_before, before, 'loss before = evaluateLoss of the original model')
  t.equal(doc.eval.tokens, 2 * 256)
  const src = await open(MODEL)
  const dense = new Map<string, ReturnType<typeof denseLinear>>()
  for (const info of src.tensors) {
    if (info.shape.length !== 2 || info.name.includes('embed')) continue
    const [o, i] = info.shape as [number, number]
    dense.set(info.name.replace(/\.weight$/, ''), denseLinear(fairy2iDequantize(fairy2iQuantize({ data: await readF32(src, info.name), shape: [o, i], stride: [i, 1], offset: 0 }, { stages: 2 })).data, o, i))
  }
  await src.close()
  const reference = await loss(mapLinears(base.right, (m, lin) => dense.get(m) ?? lin))
  t.ok(Math.abs(doc.eval.loss_after - reference) <= LOSS_F32_TOL, `packed ${doc.eval.loss_after} vs dense f32 ${reference}`)
  t.ok(doc.eval.loss_after > before, 'quantization costs loss')

  const denseOut = join(scratch, 'eval-dense')
  const rd = lr('quantize', 'fairy2i', MODEL, '--stages', '2', '--dense', '--out', denseOut, '--eval', rows, '--json')
  t.equal(rd.status, 0, rd.stderr)
  const dd = JSON.parse(rd.stdout) as { eval: { loss_after: number } }
  const reloaded = await loadLlama(denseOut)()
  if (E.isLeft(reloaded)) throw reloaded.left
  t.equal(dd.eval.loss_after, await loss(reloaded.right), 'the --dense directory is what lr eval runs')

  const missing = lr('quantize', 'fairy2i', MODEL, '--out', join(scratch, 'never'), '--eval', join(scratch, 'nope.u8'))
  t.equal(missing.status, 2)
  t.notOk(existsSync(join(scratch, 'never')), 'a bad --eval path fails before anything is written')
})
