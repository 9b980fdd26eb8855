import t from 'tap'
import { join } from 'node:path'
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as E from 'fp-ts/lib/Either.js'
import { matrix } from '@lr/svd'
import { readPeftAdapterDir, writePeftAdapterDir, readKohyaFile, writeKohyaFile, readLoraAdapter, extractLoraFromCheckpoints, mergeIntoCheckpoint, initFromCheckpoint } from '../src/node/index.js'
import { PEFT_CONFIG_FIELDS } from '../src/peft/peftConfig.js'
import { mergeLora } from '../src/merge/mergeLora.js'
import { factorDelta } from '../src/extract/factorDelta.js'
import { TINY, loadF32, maxAbsDiff } from './fixtures.js'
import { matmul, maxDiff } from './helpers.js'

const tmp = mkdtempSync(join(tmpdir(), 'lr-adapters-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
const ok = async <R>(te: () => Promise<E.Either<unknown, R>>): Promise<R> => { const r = await te(); if (E.isLeft(r)) throw r.left; return r.right }

t.test('PEFT directories we write read back identically, with the fields PEFT writes', async (t) => {
  for (const dir of ['lora_r16_trained', 'random_rslora_patterns']) {
    const ad = await ok(readPeftAdapterDir(join(TINY, dir)))
    const out = join(tmp, `rt-${dir}`)
    await ok(writePeftAdapterDir(out, ad))
    const back = await ok(readPeftAdapterDir(out))
    t.same([...back.modules.keys()], [...ad.modules.keys()])
    for (const [k, m] of ad.modules) {
      const b = back.modules.get(k)!
      t.equal(maxAbsDiff(b.a.data, m.a.data) + maxAbsDiff(b.b.data, m.b.data), 0, `${k} bit-identical`)
      if (b.scaling !== m.scaling) t.fail(`${k} scaling`)
    }
    const written = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8')) as Record<string, unknown>
    t.same(Object.keys(written), PEFT_CONFIG_FIELDS, `${dir}: PEFT's field set, sorted`)
    t.same(written, JSON.parse(readFileSync(join(TINY, dir, 'adapter_config.json'), 'utf8')), `${dir}: same values as PEFT wrote`)
    const { metadata } = loadF32(join(out, 'adapter_model.safetensors'))
    t.same(metadata, { format: 'pt' })
    t.notOk(existsSync(`${out}.partial`), 'no partial directory left')
  }
})

t.test('kohya files round trip (bit-identical A/B, same scaling) and convert back to PEFT', async (t) => {
  const ad = await ok(readPeftAdapterDir(join(TINY, 'random_rslora_patterns')))
  const file = join(tmp, 'k.safetensors')
  await ok(writeKohyaFile(file, ad))
  const { tensors, metadata } = loadF32(file)
  t.ok(tensors.has('lora_te_model_layers_0_self_attn_q_proj.lora_down.weight'))
  t.same(tensors.get('lora_te_model_layers_0_self_attn_q_proj.alpha')!.shape, [])
  t.equal(metadata['ss_network_dim'], 'Dynamic')
  const back = await ok(readKohyaFile(file))
  for (const [k, m] of ad.modules) {
    const b = back.modules.get(k)!
    t.equal(maxAbsDiff(b.a.data, m.a.data) + maxAbsDiff(b.b.data, m.b.data), 0)
    t.ok(Math.abs(b.scaling - m.scaling) <= 1e-6 * m.scaling, `${k}: scaling ${b.scaling} vs ${m.scaling} (alpha stored as F32)`)
  }
  const auto = await ok(readLoraAdapter(file))
  t.equal(auto.format, 'kohya')
  t.equal((await ok(readLoraAdapter(join(TINY, 'lora_r16_trained')))).format, 'peft')
})

t.test('broken adapter directories fail with a tagged error naming the file', async (t) => {
  const r = await readPeftAdapterDir(join(tmp, 'nope'))()
  t.ok(E.isLeft(r) && (r.left as { _tag: string })._tag === 'AdapterFileError')
  const r2 = await readLoraAdapter(join(TINY, 'meta.json'))()
  t.ok(E.isLeft(r2) && (r2.left as { rule: string }).rule === 'unsupported')
})

/** Layer 0 only: 7 modules keep the suite fast (the full 28-module figures are in docs/lora-extract.md). */
const LAYER0 = 'model\\.layers\\.0\\..*_proj'

t.test('extract from (base, tuned_sharded); extract → merge = base + truncated ΔW; error falls with rank 8/16/64', async (t) => {
  const base = loadF32(join(TINY, 'base/model.safetensors')).tensors
  const res = await ok(extractLoraFromCheckpoints(join(TINY, 'base'), join(TINY, 'tuned_sharded'), { rank: 16, targets: LAYER0 }))
  t.equal(res.modules.length, 7, 'the 7 projections of layer 0')
  t.ok(res.totalRelativeError > 0 && res.totalRelativeError < 1, `total relative error ${res.totalRelativeError}`)
  const out = join(tmp, 'merged16')
  await ok(mergeIntoCheckpoint(join(TINY, 'base'), [{ adapter: res.adapter }], out, { dtype: 'F32' }))
  const merged = loadF32(join(out, 'model.safetensors')).tensors
  t.ok(existsSync(join(out, 'config.json')), 'complete model directory')
  const tunedW = loadF32(join(TINY, 'tuned_sharded/model-00001-of-00008.safetensors')).tensors
  const name = 'model.layers.0.self_attn.q_proj.weight'
  const b = base.get(name)!, tw = tunedW.get(name)!
  const delta = matrix(Float32Array.from(tw.data.map((x, i) => x - b.data[i]!)), 256, 256)
  const f = factorDelta(delta, { rank: 64 })
  const f16 = { a: matrix(f.a.data.slice(0, 16 * 256), 16, 256), b: matrix(Float32Array.from({ length: 256 * 16 }, (_, i) => f.b.data[Math.floor(i / 16) * 64 + (i % 16)]!), 256, 16), scaling: 1 }
  const expect = mergeLora(matrix(b.data, 256, 256), f16)
  t.ok(maxAbsDiff(merged.get(name)!.data, expect.data) < 1e-6, 'merged = base + rank-16 truncation of ΔW')
  t.equal(maxAbsDiff(merged.get('lm_head.weight')!.data, base.get('lm_head.weight')!.data), 0, 'untouched tensors copied bit for bit')
  const sv = f.singularValues, tot = sv.reduce((x, y) => x + y * y, 0)
  const err = (r: number) => Math.sqrt(1 - sv.slice(0, r).reduce((x, y) => x + y * y, 0) / tot)
  t.ok(err(8) > err(16) && err(16) > err(64), `q_proj relative error at 8/16/64: ${err(8)}, ${err(16)}, ${err(64)}`)
  t.ok(Math.abs(err(16) - res.modules.find((m) => m.module === 'model.layers.0.self_attn.q_proj')!.relativeError) < 1e-5, 'reported error = √(1 − kept energy)')
})

t.test('extract refuses mismatched checkpoints and too-large ranks, writing nothing', async (t) => {
  const r = await extractLoraFromCheckpoints(join(TINY, 'base'), join(TINY, 'base_layer0_f32.safetensors'), { rank: 4 })()
  t.ok(E.isLeft(r) && (r.left as { _tag: string })._tag === 'ModuleError')
  const r2 = await extractLoraFromCheckpoints(join(TINY, 'base'), join(TINY, 'tuned_sharded'), { rank: 200 })()
  t.ok(E.isLeft(r2) && (r2.left as { rule: string; module: string }).rule === 'rank-too-large')
})

t.test('init pissa from the model writes an adapter and a residual model matching PEFT', async (t) => {
  const out = join(tmp, 'pissa')
  const res = await ok(initFromCheckpoint(join(TINY, 'base'), { method: 'pissa' }, out, { rank: 8, alpha: 8, targets: LAYER0, residualDtype: 'F32' }))
  t.equal(res.modules.length, 7)
  t.same(readdirSync(out).sort(), ['adapter', 'residual_model'])
  const cfg = JSON.parse(readFileSync(join(out, 'adapter', 'adapter_config.json'), 'utf8')) as Record<string, unknown>
  t.equal(cfg['init_lora_weights'], 'pissa')
  const after = loadF32(join(TINY, 'pissa_r8/base_after_init_layer0.safetensors')).tensors
  const resid = loadF32(join(out, 'residual_model', 'model.safetensors')).tensors
  let worst = 0
  for (const [name, v] of after) worst = Math.max(worst, maxAbsDiff(resid.get(name)!.data, v.data))
  t.ok(worst <= 1e-4, `residual vs PEFT base_after_init ${worst}`)
  const r = await initFromCheckpoint(join(TINY, 'base'), { method: 'corda' }, join(tmp, 'c'), { rank: 4, calibPath: join(TINY, 'base_layer0_f32.safetensors') })()
  t.ok(E.isLeft(r) && (r.left as { rule: string }).rule === 'missing-calibration', 'calib without the key → named error')
  t.notOk(existsSync(join(tmp, 'c')), 'nothing written')
})

t.test('an adapter merged and read back through PEFT keys equals mergeLora of its modules', async (t) => {
  const ad = await ok(readPeftAdapterDir(join(TINY, 'random_rslora_patterns')))
  const out = join(tmp, 'merged-patterns')
  await ok(mergeIntoCheckpoint(join(TINY, 'base'), [{ adapter: ad, weight: 0.5 }], out, { dtype: 'F32' }))
  const merged = loadF32(join(out, 'model.safetensors')).tensors
  const base = loadF32(join(TINY, 'base/model.safetensors')).tensors
  const m = ad.modules.get('model.layers.0.mlp.down_proj')!
  const w = base.get('model.layers.0.mlp.down_proj.weight')!
  const d = matmul(m.b, m.a)
  const expect = matrix(Float64Array.from(w.data, (x, i) => x + 0.5 * m.scaling * d.data[i]!), 256, 768)
  t.ok(maxDiff(matrix(merged.get('model.layers.0.mlp.down_proj.weight')!.data, 256, 768), expect) < 1e-6)
})
