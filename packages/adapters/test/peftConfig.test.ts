import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parsePeftConfig, serializePeftConfig, peftLoraConfig, PEFT_CONFIG_FIELDS } from '../src/peft/peftConfig.js'
import { TINY } from './fixtures.js'

const FIXTURE_DIRS = ['lora_r16_trained', 'random_rslora_patterns', 'pissa_r8', 'olora_r8']

t.test('reads every PEFT fixture config and writes back the same fields and values', async (t) => {
  for (const d of FIXTURE_DIRS) {
    const text = readFileSync(join(TINY, d, 'adapter_config.json'), 'utf8')
    const c = parsePeftConfig(text, `${d}/adapter_config.json`)
    const again = JSON.parse(serializePeftConfig(c)) as Record<string, unknown>
    t.same(again, JSON.parse(text), `${d}: round trip`)
    t.same(Object.keys(again).sort(), PEFT_CONFIG_FIELDS, `${d}: the field set PEFT 0.21 writes`)
  }
  const c = parsePeftConfig(readFileSync(join(TINY, 'random_rslora_patterns/adapter_config.json'), 'utf8'))
  t.equal(c.use_rslora, true)
  t.same(c.rank_pattern, { down_proj: 12, q_proj: 4 })
  t.same(c.alpha_pattern, { o_proj: 4 })
})

t.test('a new config has exactly the fields PEFT writes, with PEFT defaults', async (t) => {
  const c = peftLoraConfig({ r: 16, lora_alpha: 32, target_modules: ['q_proj', 'v_proj'] })
  const obj = JSON.parse(serializePeftConfig(c)) as Record<string, unknown>
  t.same(Object.keys(obj), PEFT_CONFIG_FIELDS, 'sorted keys, same set')
  t.equal(obj['peft_type'], 'LORA')
  t.equal(obj['r'], 16)
  t.equal(obj['use_rslora'], false)
  t.equal(obj['init_lora_weights'], true)
  t.same(obj['rank_pattern'], {})
})

t.test('broken configs fail with the rule and field', async (t) => {
  t.throws(() => parsePeftConfig('{"peft_type": "LORA", "r": 8', 'x.json'), { _tag: 'AdapterConfigError', rule: 'not-json' })
  t.throws(() => parsePeftConfig('[]'), { _tag: 'AdapterConfigError', rule: 'not-an-object' })
  t.throws(() => parsePeftConfig({ peft_type: 'IA3', r: 8, lora_alpha: 8 }), { rule: 'wrong-peft-type', field: 'peft_type' })
  t.throws(() => parsePeftConfig({ peft_type: 'LORA', lora_alpha: 8 }), { rule: 'missing-field', field: 'r' })
  t.throws(() => parsePeftConfig({ peft_type: 'LORA', r: 0, lora_alpha: 8 }), { rule: 'bad-field', field: 'r' })
  t.throws(() => parsePeftConfig({ peft_type: 'LORA', r: 8.5, lora_alpha: 8 }), { rule: 'bad-field', field: 'r' })
  t.throws(() => parsePeftConfig({ peft_type: 'LORA', r: 8, lora_alpha: 8, rank_pattern: { q_proj: 2.5 } }), { rule: 'bad-field', field: 'rank_pattern.q_proj' })
  t.throws(() => parsePeftConfig({ peft_type: 'LORA', r: 8, lora_alpha: 8, rank_pattern: { '(q_proj': 2 } }), { rule: 'bad-field', field: 'rank_pattern.(q_proj' })
  t.throws(() => parsePeftConfig({ peft_type: 'LORA', r: 8, lora_alpha: 8, use_dora: true }), { rule: 'unsupported', field: 'use_dora' })
  t.throws(() => parsePeftConfig({ peft_type: 'LORA', r: 8, lora_alpha: 8, use_rslora: 'yes' }), { rule: 'bad-field', field: 'use_rslora' })
  t.throws(() => parsePeftConfig({ peft_type: 'LORA', r: 8, lora_alpha: 8, target_modules: [1] }), { rule: 'bad-field', field: 'target_modules' })
})
