import t from 'tap'
import { fileURLToPath } from 'node:url'
import { matrix, seededRng, type Mat } from '@lr/svd'
import { fedsvdAggregate } from '../src/fedsvd/fedsvdAggregate.js'
import { projectOutLora } from '../src/nullspace/projectOutLora.js'
import { intruderDimensions } from '../src/diagnostics/intruderDimensions.js'
import { loraDelta } from '../src/merge/loraDelta.js'
import { join } from 'node:path'
import { TINY, loadF32 } from './fixtures.js'
import { el, matmul, maxDiff, randomMat } from './helpers.js'

const REF = loadF32(fileURLToPath(new URL('./ref/adapters_refs.safetensors', import.meta.url))).tensors
const ref = (k: string): Mat<Float32Array> => { const x = REF.get(k)!; return matrix(x.data, x.shape[0]!, x.shape[1] ?? 1) }

t.test('FedSVD: A = orthonormal right singular vectors of Σ pₖBₖAₖ, B = U Σ (numpy reference)', async (t) => {
  const clients = [0, 1, 2].map((i) => ({ a: ref(`fed_A${i}`), b: ref(`fed_B${i}`), scaling: 1 }))
  const g = fedsvdAggregate(clients, { weights: [0.5, 0.3, 0.2] })
  t.same(g.a.shape, [8, 256])
  const ra = ref('fed_A'), rb = ref('fed_B')
  let worst = 0
  for (let k = 0; k < 8; k++) {
    let dot = 0
    for (let j = 0; j < 256; j++) dot += el(g.a, k, j) * el(ra, k, j)
    const s = Math.sign(dot)
    for (let j = 0; j < 256; j++) worst = Math.max(worst, Math.abs(el(g.a, k, j) - s * el(ra, k, j)))
    for (let i = 0; i < 128; i++) worst = Math.max(worst, Math.abs(el(g.b, i, k) - s * el(rb, i, k)))
  }
  t.ok(worst < 1e-5, `A and B up to sign: ${worst}`)
  const aat = matmul(g.a, { ...g.a, shape: [256, 8], stride: [1, 256] })
  t.ok(maxDiff(aat, matrix(Float64Array.from({ length: 64 }, (_, i) => (i % 9 === 0 ? 1 : 0)), 8, 8)) < 1e-5, 'A Aᵀ = I')
  t.throws(() => fedsvdAggregate(clients, { weights: [1] }), { _tag: 'InvalidArgument' })
})

t.test('null-space projection: the projected adapter does not touch the earlier adapters\' directions', async (t) => {
  const prev = [{ a: randomMat(3, 40, 1), b: randomMat(30, 3, 2), scaling: 1 }, { a: randomMat(2, 40, 3), b: randomMat(30, 2, 4), scaling: 0.5 }]
  const next = { a: randomMat(4, 40, 5), b: randomMat(30, 4, 6), scaling: 2 }
  const p = projectOutLora(next, prev, { rank: 5, rng: seededRng(7) })
  // Earlier row spaces: the projected A must be orthogonal to every earlier A's rows (rank 5 covers them exactly).
  for (const q of prev) {
    const cross = matmul(p.a, { ...q.a, shape: [40, q.a.shape[0]], stride: [1, 40] })
    t.ok(Math.max(...Array.from(cross.data, Math.abs)) < 1e-8, 'A′ ⟂ earlier input directions')
  }
  const both = projectOutLora(next, prev, { rank: 5, rng: seededRng(7), side: 'both' })
  for (const q of prev) {
    const cross = matmul({ ...both.b, shape: [4, 30], stride: [1, 4] }, q.b)
    t.ok(Math.max(...Array.from(cross.data, Math.abs)) < 1e-8, 'B′ ⟂ earlier output directions')
  }
  t.equal(p.scaling, 2)
})

t.test('intruder dimensions of the trained r=16 LoRA on k_proj match numpy', async (t) => {
  const base = loadF32(join(TINY, 'base_layer0_f32.safetensors')).tensors
  const ad = loadF32(join(TINY, 'lora_r16_trained/adapter_model.safetensors')).tensors
  const w = matrix(base.get('model.layers.0.self_attn.k_proj.weight')!.data, 128, 256)
  const A = ad.get('base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight')!, B = ad.get('base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight')!
  const delta = loraDelta({ a: matrix(A.data, 16, 256), b: matrix(B.data, 128, 16), scaling: 2 })
  const res = intruderDimensions(w, delta, { topK: 10, threshold: 0.5 })
  const want = REF.get('intruder_maxcos')!.data
  t.ok(Array.from(res.maxCosine).every((x, i) => Math.abs(x - want[i]!) < 1e-4), `max cosines ${Array.from(res.maxCosine).map((x) => x.toFixed(3))}`)
  t.same(res.intruders, Array.from(want).flatMap((x, i) => (x < 0.5 ? [i] : [])))
})
