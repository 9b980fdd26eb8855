import t from 'tap'
import { readFileSync } from 'node:fs'
import { parseLlamaConfig } from '../src/eval/config.js'
import { TB } from './fixtures.js'

const base = JSON.parse(readFileSync(`${TB}/base/config.json`, 'utf8')) as Record<string, unknown>

t.test('reads the tinyllama-bytes config (transformers 5 rope_parameters)', async (t) => {
  t.same(parseLlamaConfig(base), {
    hiddenSize: 256, numHeads: 4, numKvHeads: 2, headDim: 64, intermediateSize: 768, numLayers: 4,
    rmsNormEps: 1e-5, ropeTheta: 10000, vocabSize: 256, maxPositionEmbeddings: 256, tieWordEmbeddings: false,
  })
})

t.test('older configs: rope_theta at the top level, head_dim and kv heads defaulted', async (t) => {
  const { rope_parameters: _, head_dim: __, num_key_value_heads: ___, ...old } = base
  const c = parseLlamaConfig({ ...old, rope_theta: 500000, tie_word_embeddings: true })
  t.equal(c.ropeTheta, 500000)
  t.equal(c.headDim, 64)
  t.equal(c.numKvHeads, 4)
  t.equal(c.tieWordEmbeddings, true)
})

t.test('refuses what the forward does not implement, naming the field', async (t) => {
  t.throws(() => parseLlamaConfig({ ...base, model_type: 'gpt2' }, 'm/config.json'), { _tag: 'UnsupportedModel', field: 'model_type', file: 'm/config.json' })
  t.throws(() => parseLlamaConfig({ ...base, architectures: ['MistralForCausalLM'] }), { _tag: 'UnsupportedModel', field: 'architectures' })
  t.throws(() => parseLlamaConfig({ ...base, attention_bias: true }), { _tag: 'UnsupportedModel', field: 'attention_bias' })
  t.throws(() => parseLlamaConfig({ ...base, hidden_act: 'gelu' }), { _tag: 'UnsupportedModel', field: 'hidden_act' })
  t.throws(() => parseLlamaConfig({ ...base, rope_parameters: { rope_type: 'llama3', rope_theta: 1e4 } }), { _tag: 'UnsupportedModel', field: 'rope_parameters.rope_type' })
  t.throws(() => parseLlamaConfig({ ...base, num_key_value_heads: 3 }), { _tag: 'UnsupportedModel', field: 'num_key_value_heads' })
  t.throws(() => parseLlamaConfig({ ...base, hidden_size: -1 }), { _tag: 'UnsupportedModel', field: 'hidden_size' })
  t.throws(() => parseLlamaConfig(null), { _tag: 'UnsupportedModel' })
})
