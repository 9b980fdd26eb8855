import t from 'tap'
import { matrix } from '@lr/svd'
import { parseSavedModuleKey } from '../src/peft/peftKeys.js'
import { loraAdapterFromModules } from '../src/adapter/loraAdapterFromModules.js'
import { peftAdapterTensors } from '../src/peft/peftAdapterTensors.js'
import { parsePeftAdapter } from '../src/peft/parsePeftAdapter.js'
import { parsePeftConfig, serializePeftConfig } from '../src/peft/peftConfig.js'
import { kohyaTensors } from '../src/kohya/kohyaLora.js'
import { planMerge, mergePlanned } from '../src/node/mergeIntoCheckpoint.js'
import { toFloat32 } from '@lr/io-safetensors'
import { el, matmul, randomMat } from './helpers.js'

// f32 storage of B·A products of O(1) entries over r ≤ 8 terms: a few ulps of the largest partial sum.
const F32_TOL = 8 * 8 * 2 ** -23

t.test('parseSavedModuleKey reads PEFT modules_to_save keys (current, older and in-memory forms) with suffix matching', async (t) => {
  t.equal(parseSavedModuleKey('base_model.model.model.norm.weight', ['norm']), 'model.norm.weight')
  t.equal(parseSavedModuleKey('base_model.model.model.norm.modules_to_save.weight', ['norm']), 'model.norm.weight')
  t.equal(parseSavedModuleKey('base_model.model.lm_head.modules_to_save.default.weight', ['lm_head']), 'lm_head.weight')
  t.equal(parseSavedModuleKey('base_model.model.model.layers.0.input_layernorm.weight', ['norm']), undefined, '"norm" is not a suffix of input_layernorm')
  t.equal(parseSavedModuleKey('base_model.model.model.layers.0.input_layernorm.weight', ['input_layernorm']), 'model.layers.0.input_layernorm.weight')
  t.equal(parseSavedModuleKey('base_model.model.score.weight', []), undefined)
})

const linear = { a: randomMat(4, 6, 1, 'f32') as ReturnType<typeof matrix<Float32Array>>, b: randomMat(5, 4, 2, 'f32') as ReturnType<typeof matrix<Float32Array>>, scaling: 1 }
const embedding = { a: randomMat(3, 10, 3, 'f32') as ReturnType<typeof matrix<Float32Array>>, b: randomMat(6, 3, 4, 'f32') as ReturnType<typeof matrix<Float32Array>>, scaling: 1, kind: 'embedding' as const }
const norm = { name: 'model.norm.weight', shape: [6], data: Float32Array.from({ length: 6 }, (_, i) => 1 + i / 8) }
const adapter = loraAdapterFromModules(new Map<string, typeof linear & { kind?: 'linear' | 'embedding' }>([['model.layers.0.self_attn.q_proj', linear], ['model.embed_tokens', embedding]]), { modulesToSave: [norm] })

t.test('an adapter with an embedding LoRA and modules_to_save round trips through PEFT tensors and config', async (t) => {
  t.same(adapter.config.extra['modules_to_save'], ['model.norm'])
  t.equal(adapter.config.fan_in_fan_out, false, 'the embedding LoRA does not make the linear modules fan_in_fan_out')
  const e = adapter.modules.get('model.embed_tokens')!
  t.same([e.kind, e.fanInFanOut], ['embedding', true])
  const tensors = peftAdapterTensors(adapter)
  t.same(tensors.map((x) => x.name), [
    'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight', 'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight',
    'base_model.model.model.embed_tokens.lora_embedding_A', 'base_model.model.model.embed_tokens.lora_embedding_B', 'base_model.model.model.norm.weight'])
  const back = parsePeftAdapter(parsePeftConfig(serializePeftConfig(adapter.config)), tensors.map((x) => ({ name: x.name, shape: x.shape, data: toFloat32(x) })))
  t.same([...back.modulesToSave!.keys()], ['model.norm.weight'])
  t.same(back.modulesToSave!.get('model.norm.weight')!.data, norm.data)
  t.same([back.modules.get('model.embed_tokens')!.kind, back.modules.get('model.embed_tokens')!.fanInFanOut], ['embedding', true])
  t.same(back.modules.get('model.embed_tokens')!.a.shape, [3, 10], 'lora_embedding_A is [r, vocab]')
})

t.test('kohya has no place for modules_to_save; a module cannot be both a LoRA and saved', async (t) => {
  t.throws(() => kohyaTensors({ config: adapter.config, modules: new Map([...adapter.modules].filter(([k]) => k !== 'model.embed_tokens')), modulesToSave: adapter.modulesToSave! }), { _tag: 'ModuleError', rule: 'extra-tensor' })
  t.throws(() => loraAdapterFromModules(new Map([['model.norm', linear]]), { modulesToSave: [norm] }), { _tag: 'ModuleError', rule: 'extra-tensor' })
})

t.test('planMerge + mergePlanned: saved tensors replace, embedding LoRAs add (B·A)ᵀ, conflicts fail naming the module', async (t) => {
  const tensors = [{ name: 'model.embed_tokens.weight', shape: [10, 6] }, { name: 'model.norm.weight', shape: [6] }, { name: 'model.layers.0.self_attn.q_proj.weight', shape: [5, 6] }]
  const plan = planMerge(tensors, [{ adapter }], 'base')
  t.same([...plan.keys()].sort(), tensors.map((x) => x.name).sort())
  t.same(mergePlanned(plan.get('model.norm.weight')!, new Float32Array(6), [6]), norm.data)
  const w = randomMat(10, 6, 9, 'f32')
  const merged = mergePlanned(plan.get('model.embed_tokens.weight')!, w.data as Float32Array, [10, 6])
  const ba = matmul(embedding.b, embedding.a) // [6, 10]
  let worst = 0
  for (let v = 0; v < 10; v++) for (let h = 0; h < 6; h++) worst = Math.max(worst, Math.abs(merged[v * 6 + h]! - (el(w, v, h) + el(ba, h, v))))
  t.ok(worst <= F32_TOL, `embedding merge max error ${worst}`)
  t.throws(() => planMerge(tensors, [{ adapter }, { adapter }], 'base'), { _tag: 'ModuleError', rule: 'extra-tensor' })
  t.throws(() => planMerge(tensors.filter((x) => x.name !== 'model.norm.weight'), [{ adapter }], 'base'), { _tag: 'ModuleError', rule: 'missing-tensor', module: 'model.norm' })
  t.throws(() => planMerge([...tensors.slice(0, 1), { name: 'model.norm.weight', shape: [7] }, tensors[2]!], [{ adapter }], 'base'), { _tag: 'ModuleError', rule: 'shape-mismatch' })
})
