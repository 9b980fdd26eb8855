import t from 'tap'
import { matrix, seededRng } from '@lr/svd'
import { toFloat32 } from '@lr/io-safetensors'
import { methodTensors } from '../src/keys/methodTensors.js'
import { sorsaInit } from '../src/sorsa/sorsaInit.js'
import { kasaInit } from '../src/kasa/kasaInit.js'
import { sokaInit } from '../src/soka/sokaInit.js'
import { nloraInit } from '../src/nlora/nloraInit.js'
import { randomMat } from './helpers.js'

const M = 'model.layers.0.self_attn.q_proj'
const P = `base_model.model.${M}`

t.test('documented key schemes and shapes for methods PEFT has no format for; values survive F32 exactly', async (t) => {
  const w = randomMat(12, 8, 1, 'f32')
  const s = sorsaInit(w, { rank: 3 })
  const st = methodTensors(M, { method: 'sorsa', ...s })
  t.same(st.map((x) => [x.name, x.shape]), [[`${P}.sorsa_U`, [12, 3]], [`${P}.sorsa_S`, [3]], [`${P}.sorsa_Vt`, [3, 8]]])
  t.same(Array.from(toFloat32(st[1]!)), Array.from(s.s))
  const k = methodTensors(M, { method: 'kasa', ...kasaInit(w, { rank: 2, rng: seededRng(1) }) })
  t.same(k.map((x) => x.name), [`${P}.lora_A.weight`, `${P}.lora_B.weight`, `${P}.lora_diag`])
  const so = methodTensors(M, { method: 'soka', ...sokaInit(w, { factorShape: [3, 2], rule: { kind: 'fixed', rank: 2 } }) })
  t.same(so.map((x) => [x.name, x.shape]), [[`${P}.soka_B`, [2, 3, 2]], [`${P}.soka_C`, [2, 4, 4]]])
  const n = methodTensors(M, { method: 'nlora', ...nloraInit(w, { rank: 2, rng: seededRng(2) }) }, { dtype: 'BF16' })
  t.same(n.map((x) => [x.name, x.dtype]), [[`${P}.lora_A.weight`, 'BF16'], [`${P}.lora_B.weight`, 'BF16'], [`${P}.lora_N`, 'BF16']])
  t.same(methodTensors(M, { method: 'qr-lora', q: matrix(new Float32Array(6), 3, 2), r: matrix(new Float32Array(8), 2, 4), lambda: [0, 0] }).map((x) => x.shape), [[3, 2], [2, 4], [2]])
})
