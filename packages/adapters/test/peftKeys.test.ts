import t from 'tap'
import fc from 'fast-check'
import { peftKey, parsePeftKey } from '../src/peft/peftKeys.js'
import { kohyaName, resolveKohyaName, kohyaPrefix } from '../src/kohya/kohyaKeys.js'

const LLAMA = ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj']

t.test('PEFT keys round trip for every module name', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), fc.constantFrom(...LLAMA), fc.constantFrom('A' as const, 'B' as const), (i, m, w) => {
    const module = `model.layers.${i}.${m}`
    const p = parsePeftKey(peftKey(module, w))
    return p !== undefined && p.module === module && p.which === w && p.kind === 'linear'
  }), { seed: 42 })
  t.equal(peftKey('model.layers.0.mlp.down_proj', 'A'), 'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight')
  t.same(parsePeftKey('base_model.model.model.embed_tokens.lora_embedding_A'), { module: 'model.embed_tokens', which: 'A', kind: 'embedding' })
  t.equal(parsePeftKey('base_model.model.lm_head.modules_to_save.weight'), undefined)
})

t.test('kohya names map back to module paths', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), fc.constantFrom(...LLAMA), (i, m) => {
    const module = `model.layers.${i}.${m}`
    return resolveKohyaName(kohyaName(module)) === module && resolveKohyaName(kohyaName(module, 'lora_unet_'), [module, 'x']) === module
  }), { seed: 42 })
  t.equal(kohyaName('model.layers.0.self_attn.q_proj'), 'lora_te_model_layers_0_self_attn_q_proj')
  t.equal(resolveKohyaName('lora_te_model_layers_0_self_attn_q_proj', ['model.layers.0.self_attn.k_proj']), undefined, 'not in the module list')
  t.equal(kohyaPrefix('lora_unet_down_blocks_0'), 'lora_unet_')
})
