import t from 'tap'
import { covarianceKeyFor, isLinearWeight } from '../src/index.js'

t.test('linear weights of a Llama', async (t) => {
  t.ok(isLinearWeight('model.layers.0.mlp.down_proj.weight', [256, 768]))
  t.ok(isLinearWeight('model.layers.3.self_attn.k_proj.weight', [128, 256]))
  t.notOk(isLinearWeight('model.embed_tokens.weight', [256, 256]))
  t.notOk(isLinearWeight('lm_head.weight', [256, 256]))
  t.notOk(isLinearWeight('model.layers.0.input_layernorm.weight', [256]))
  t.notOk(isLinearWeight('model.layers.0.mlp.down_proj.bias', [256, 1]))
})

t.test('calibration keys: own key, then the sibling that shares the input', async (t) => {
  const keys = ['model.layers.0.self_attn.q_proj', 'model.layers.0.mlp.gate_proj', 'model.layers.0.mlp.down_proj']
  t.equal(covarianceKeyFor('model.layers.0.self_attn.k_proj', keys), 'model.layers.0.self_attn.q_proj')
  t.equal(covarianceKeyFor('model.layers.0.self_attn.v_proj', keys), 'model.layers.0.self_attn.q_proj')
  t.equal(covarianceKeyFor('model.layers.0.mlp.up_proj', keys), 'model.layers.0.mlp.gate_proj')
  t.equal(covarianceKeyFor('model.layers.0.mlp.down_proj', keys), 'model.layers.0.mlp.down_proj')
  t.equal(covarianceKeyFor('model.layers.0.self_attn.o_proj', keys), undefined)
})
