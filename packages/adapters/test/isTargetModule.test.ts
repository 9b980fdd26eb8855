import t from 'tap'
import { isTargetModule } from '../src/peft/isTargetModule.js'
import { peftLoraConfig } from '../src/peft/peftConfig.js'

t.test('target_modules as a suffix list, a regex, and all-linear', async (t) => {
  const list = peftLoraConfig({ target_modules: ['q_proj', 'v_proj'] })
  t.ok(isTargetModule(list, 'model.layers.3.self_attn.q_proj'))
  t.notOk(isTargetModule(list, 'model.layers.3.self_attn.k_proj'))
  t.notOk(isTargetModule(list, 'model.layers.3.self_attn.xq_proj'), 'suffix must follow a dot')
  const re = peftLoraConfig({ target_modules: '.*\\.(q|v)_proj' })
  t.ok(isTargetModule(re, 'model.layers.0.self_attn.v_proj'))
  t.notOk(isTargetModule(re, 'model.layers.0.mlp.up_proj'))
  const all = peftLoraConfig({ target_modules: 'all-linear' })
  t.ok(isTargetModule(all, 'model.layers.0.mlp.up_proj'))
  t.notOk(isTargetModule(all, 'lm_head'), 'the output layer is never targeted')
  t.notOk(isTargetModule(peftLoraConfig({}), 'model.layers.0.mlp.up_proj'), 'no targets → nothing')
})

t.test('layers_to_transform, layers_pattern and exclude_modules', async (t) => {
  const c = peftLoraConfig({ target_modules: ['q_proj'], layers_to_transform: [0, 2] })
  t.ok(isTargetModule(c, 'model.layers.0.self_attn.q_proj'))
  t.notOk(isTargetModule(c, 'model.layers.1.self_attn.q_proj'))
  t.ok(isTargetModule(c, 'model.layers.2.self_attn.q_proj'))
  const one = peftLoraConfig({ target_modules: ['q_proj'], layers_to_transform: 1, layers_pattern: 'layers' })
  t.ok(isTargetModule(one, 'model.layers.1.self_attn.q_proj'))
  t.notOk(isTargetModule(one, 'model.layers.10.self_attn.q_proj'))
  const ex = peftLoraConfig({ target_modules: ['q_proj', 'up_proj'], exclude_modules: ['up_proj'] })
  t.notOk(isTargetModule(ex, 'model.layers.0.mlp.up_proj'))
  t.ok(isTargetModule(ex, 'model.layers.0.self_attn.q_proj'))
})
