import t from 'tap'
import fc from 'fast-check'
import { getPatternKey, resolveModuleSettings } from '../src/peft/patterns.js'
import { peftLoraConfig } from '../src/peft/peftConfig.js'
import { loraScaling } from '../src/lora/loraScaling.js'

t.test('getPatternKey follows PEFT: suffix after a dot, first key wins, regex keys', async (t) => {
  const keys = ['q_proj', 'down_proj', 'layers\\.1\\..*v_proj']
  t.equal(getPatternKey(keys, 'model.layers.0.self_attn.q_proj'), 'q_proj')
  t.equal(getPatternKey(keys, 'q_proj'), 'q_proj', 'the key itself')
  t.equal(getPatternKey(keys, 'model.layers.0.self_attn.xq_proj'), 'model.layers.0.self_attn.xq_proj', 'no partial component match')
  t.equal(getPatternKey(keys, 'model.layers.1.self_attn.v_proj'), 'layers\\.1\\..*v_proj')
  t.equal(getPatternKey(keys, 'model.layers.2.self_attn.v_proj'), 'model.layers.2.self_attn.v_proj')
  t.equal(getPatternKey(['proj', 'q_proj'], 'model.layers.0.self_attn.q_proj'), 'q_proj', '"proj" is not a component suffix, so q_proj wins')
  t.equal(getPatternKey(['.*proj', 'q_proj'], 'a.q_proj'), '.*proj', 'insertion order decides')
})

t.test('resolveModuleSettings reproduces the random_rslora_patterns fixture config', async (t) => {
  const c = peftLoraConfig({ r: 8, lora_alpha: 16, use_rslora: true, rank_pattern: { q_proj: 4, down_proj: 12 }, alpha_pattern: { o_proj: 4 } })
  const p = 'model.layers.0.'
  t.same(resolveModuleSettings(c, `${p}self_attn.q_proj`), { rank: 4, alpha: 16, scaling: 16 / 2 })
  t.same(resolveModuleSettings(c, `${p}mlp.down_proj`), { rank: 12, alpha: 16, scaling: 16 / Math.sqrt(12) })
  t.same(resolveModuleSettings(c, `${p}self_attn.o_proj`), { rank: 8, alpha: 4, scaling: 4 / Math.sqrt(8) })
  t.same(resolveModuleSettings(c, `${p}self_attn.k_proj`), { rank: 8, alpha: 16, scaling: 16 / Math.sqrt(8) })
})

t.test('scaling is alpha/r, or alpha/√r with rsLoRA, for every rank and alpha', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 512 }), fc.double({ min: 0.1, max: 512, noNaN: true }), (r, alpha) =>
    loraScaling({ rank: r, alpha }) === alpha / r && loraScaling({ rank: r, alpha, useRslora: true }) === alpha / Math.sqrt(r)), { seed: 42 })
  t.equal(loraScaling({ rank: 16 }), 1, 'alpha defaults to the rank')
  t.throws(() => loraScaling({ rank: 0 }), { _tag: 'InvalidArgument' })
})
