import t from 'tap'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { parsePeftConfig } from '../src/peft/peftConfig.js'
import { parsePeftAdapter } from '../src/peft/parsePeftAdapter.js'
import { TINY, loadF32 } from './fixtures.js'

const read = (dir: string) => {
  const config = parsePeftConfig(readFileSync(join(TINY, dir, 'adapter_config.json'), 'utf8'))
  const { tensors } = loadF32(join(TINY, dir, 'adapter_model.safetensors'))
  return { config, tensors: [...tensors].map(([name, v]) => ({ name, ...v })) }
}

t.test('reads the trained r=16 adapter: 28 modules, scaling alpha/r = 2', async (t) => {
  const { config, tensors } = read('lora_r16_trained')
  const ad = parsePeftAdapter(config, tensors)
  t.equal(ad.modules.size, 4 * 7)
  const q = ad.modules.get('model.layers.0.self_attn.k_proj')!
  t.same([q.a.shape, q.b.shape], [[16, 256], [128, 16]])
  t.equal(q.scaling, 2)
})

t.test('reads rank_pattern/alpha_pattern/rsLoRA per module', async (t) => {
  const { config, tensors } = read('random_rslora_patterns')
  const ad = parsePeftAdapter(config, tensors)
  t.equal(ad.modules.get('model.layers.0.self_attn.q_proj')!.rank, 4)
  t.equal(ad.modules.get('model.layers.0.mlp.down_proj')!.scaling, 16 / Math.sqrt(12))
  t.equal(ad.modules.get('model.layers.0.self_attn.o_proj')!.scaling, 4 / Math.sqrt(8))
})

t.test('inconsistent tensors fail naming the module', async (t) => {
  const { config, tensors } = read('random_rslora_patterns')
  const noB = tensors.filter((x) => x.name !== 'base_model.model.model.layers.0.mlp.up_proj.lora_B.weight')
  t.throws(() => parsePeftAdapter(config, noB), { _tag: 'ModuleError', rule: 'missing-tensor', module: 'model.layers.0.mlp.up_proj' })
  const wrongRank = parsePeftConfig({ ...JSON.parse(readFileSync(join(TINY, 'random_rslora_patterns/adapter_config.json'), 'utf8')), rank_pattern: {} })
  t.throws(() => parsePeftAdapter(wrongRank, tensors), { rule: 'rank-mismatch', module: 'model.layers.0.mlp.down_proj' })
  t.throws(() => parsePeftAdapter(config, [...tensors, { name: 'base_model.model.lm_head.modules_to_save.weight', shape: [2, 2], data: new Float32Array(4) }]), { rule: 'unknown-key' })
})
