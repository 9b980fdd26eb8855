import t from 'tap'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { matrix, type Mat } from '@lr/svd'
import { qrLoraInit } from '../src/qr-lora/qrLoraInit.js'
import { TINY, loadF32 } from './fixtures.js'
import { el, matmul, maxDiff, randomMat } from './helpers.js'

const REF = loadF32(fileURLToPath(new URL('./ref/adapters_refs.safetensors', import.meta.url))).tensors
const ref = (k: string): Mat<Float32Array> => { const x = REF.get(k)!; return matrix(x.data, x.shape[0]!, x.shape[1] ?? 1) }
const W = matrix(loadF32(join(TINY, 'base_layer0_f32.safetensors')).tensors.get('model.layers.0.self_attn.k_proj.weight')!.data, 128, 256)

t.test('QR-LoRA: Q_r and R_r (pivoting undone) match scipy geqp3 up to the sign of each pair', async (t) => {
  const q = qrLoraInit(W, { rank: 8 })
  const rq = ref('qrlora_Q'), rr = ref('qrlora_R')
  let worst = 0
  for (let k = 0; k < 8; k++) {
    let dot = 0
    for (let i = 0; i < 128; i++) dot += el(q.q, i, k) * el(rq, i, k)
    const s = Math.sign(dot)
    for (let i = 0; i < 128; i++) worst = Math.max(worst, Math.abs(el(q.q, i, k) - s * el(rq, i, k)))
    for (let j = 0; j < 256; j++) worst = Math.max(worst, Math.abs(el(q.r, k, j) - s * el(rr, k, j)))
  }
  t.ok(worst < 1e-5, `Q, R up to sign: ${worst}`)
  t.ok(Array.from(q.lambda).every((x) => x === 0), 'λ = 0: ΔW = 0 at init')
  const diag = REF.get('qrlora_diagR')!.data
  const tot = diag.reduce((a, x) => a + x * x, 0)
  let acc = 0, want = 0
  while (acc < 0.5 * tot) { acc += diag[want]! ** 2; want++ }
  t.equal(qrLoraInit(W, { rank: 128, threshold: 0.5 }).q.shape[1], want, 'rank from the energy of diag(R) (τ = 0.5)')
})

t.test('QR-LoRA: Q_r R_r reproduces a rank-r matrix exactly', async (t) => {
  const low = matmul(randomMat(20, 3, 1), randomMat(3, 15, 2))
  const q = qrLoraInit(low, { rank: 3 })
  t.ok(maxDiff(matmul(q.q, q.r), low) < 1e-10)
})
