import t from 'tap'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { matrix, seededRng, type Mat } from '@lr/svd'
import { miloraInit } from '../src/milora/miloraInit.js'
import { cordaInit } from '../src/corda/cordaInit.js'
import { evaComponents } from '../src/eva/evaComponents.js'
import { evaRankDistribution } from '../src/eva/evaRankDistribution.js'
import { evaInit } from '../src/eva/evaInit.js'
import { kasaInit } from '../src/kasa/kasaInit.js'
import { sorsaInit } from '../src/sorsa/sorsaInit.js'
import { svfitInit } from '../src/svfit/svfitInit.js'
import { saltInit } from '../src/salt/saltInit.js'
import { nloraInit } from '../src/nlora/nloraInit.js'
import { loraFaInit } from '../src/lora-fa/loraFaInit.js'
import { loraInit, gaussianInit } from '../src/lora/loraInit.js'
import { TINY, loadF32 } from './fixtures.js'
import { el, fro, matmul, maxDiff } from './helpers.js'

// Independent numpy (LAPACK, f64) references: tools/fixtures/adapters_refs.py, stored as F32.
const REF = loadF32(fileURLToPath(new URL('./ref/adapters_refs.safetensors', import.meta.url))).tensors
const ref = (k: string): Mat<Float32Array> => { const x = REF.get(k)!; return matrix(x.data, x.shape[0]!, x.shape[1] ?? 1) }
const base = loadF32(join(TINY, 'base_layer0_f32.safetensors')).tensors
const calib = loadF32(join(TINY, 'calib_code.safetensors')).tensors
const W = matrix(base.get('model.layers.0.self_attn.k_proj.weight')!.data, 128, 256)
const C = matrix(calib.get('model.layers.0.self_attn.q_proj')!.data, 256, 256)
/** The references are f64 results rounded to f32: compare relative to the largest entry, at a few f32 ulps plus
 *  the f32 rounding of W·C products (CorDA) — 1e-5 of the scale. */
const rel = (x: Mat, y: Mat): number => maxDiff(x, y) / Math.max(1e-30, ...Array.from(y.data as Float32Array, Math.abs))
const REL_TOL = 1e-5
const opts = { rank: 8, alpha: 16 }

t.test('MiLoRA: B·A and the residual match numpy (minor components)', async (t) => {
  const r = miloraInit(W, opts)
  const ba = matmul(r.b, r.a)
  t.ok(rel(ba, matmul(ref('milora_B'), ref('milora_A'))) < REL_TOL)
  t.ok(maxDiff(r.residual!, matrix(Float64Array.from(W.data, (w, i) => w - r.scaling * ba.data[i]!), 128, 256)) < 1e-6)
})

t.test('CorDA IPM and KPM: B·A and the residual match numpy (PEFT procedure)', async (t) => {
  for (const mode of ['ipm', 'kpm'] as const) {
    const r = cordaInit(W, C, { ...opts, mode })
    const want = matmul(ref(`corda_${mode}_B`), ref(`corda_${mode}_A`))
    t.ok(rel(matmul(r.b, r.a), want) < REL_TOL, `${mode} B·A rel ${rel(matmul(r.b, r.a), want)}`)
    const res = matrix(Float64Array.from(W.data, (w, i) => w - r.scaling * want.data[i]!), 128, 256)
    t.ok(maxDiff(r.residual!, res) < 1e-5, `${mode} residual`)
  }
  t.throws(() => cordaInit(W, matrix(new Float32Array(4), 2, 2), opts), { _tag: 'ShapeMismatch' })
})

t.test('EVA: components (up to sign), explained variance ratios, rank distribution as PEFT', async (t) => {
  const c = evaComponents(C, { maxComponents: 16 })
  const rv = ref('eva_vectors'), rr = REF.get('eva_ratio')!.data
  let worst = 0
  for (let k = 0; k < 16; k++) {
    let dot = 0
    for (let j = 0; j < 256; j++) dot += el(c.vectors, k, j) * el(rv, k, j)
    const s = Math.sign(dot)
    for (let j = 0; j < 256; j++) worst = Math.max(worst, Math.abs(el(c.vectors, k, j) - s * el(rv, k, j)))
    t.ok(Math.abs(c.explainedVarianceRatio[k]! - rr[k]!) < 1e-6 * rr[0]!)
  }
  t.ok(worst < 1e-4, `eigenvectors up to sign ${worst}`)
  const keys: Record<string, string> = { q_proj: 'self_attn.q_proj', k_proj: 'self_attn.q_proj', v_proj: 'self_attn.q_proj', o_proj: 'self_attn.o_proj', gate_proj: 'mlp.gate_proj', up_proj: 'mlp.gate_proj', down_proj: 'mlp.down_proj' }
  const ratios = new Map<string, Float64Array>()
  for (const [m, k] of Object.entries(keys)) {
    const x = calib.get(`model.layers.0.${k}`)!
    ratios.set(m, evaComponents(matrix(x.data, x.shape[0]!, x.shape[1]!), { maxComponents: 8 }).explainedVarianceRatio)
  }
  const counts = evaRankDistribution(ratios, { rank: 4, rho: 2 })
  t.same([...counts.values()], Array.from(REF.get('eva_counts')!.data), 'same budget split as the numpy port of PEFT')
  t.equal([...counts.values()].reduce((a, b) => a + b, 0), 4 * 7, 'total budget kept')
  const init = evaInit(c, { rank: 4, outFeatures: 128 })
  t.same([init.a.shape, init.b.shape], [[4, 256], [128, 4]])
  t.ok(init.b.data.every((x) => x === 0), 'B = 0')
})

t.test('KaSA, SORSA, SVFit, SALT: truncations and factors match numpy', async (t) => {
  const k = kasaInit(W, { ...opts, rng: seededRng(1) })
  t.ok(rel(k.residual, ref('kasa_residual')) < REL_TOL, 'KaSA truncated base')
  t.ok(k.b.data.every((x) => x === 0) && k.diag.length === 8)
  const s = sorsaInit(W, { rank: 8 })
  t.ok(Array.from(s.s).every((x, i) => Math.abs(x - REF.get('sorsa_S')!.data[i]!) < 1e-5 * REF.get('sorsa_S')!.data[0]!), 'singular values')
  const us = matrix(Float64Array.from({ length: 128 * 8 }, (_, i) => el(s.u, Math.floor(i / 8), i % 8) * s.s[i % 8]!), 128, 8)
  const want = matmul(matrix(Float64Array.from({ length: 128 * 8 }, (_, i) => el(ref('sorsa_U'), Math.floor(i / 8), i % 8) * REF.get('sorsa_S')!.data[i % 8]!), 128, 8), ref('sorsa_Vt'))
  t.ok(rel(matmul(us, s.vt), want) < REL_TOL, 'U Σ Vᵀ')
  const residualWant = matrix(Float64Array.from(W.data, (w, i) => w - want.data[i]!), 128, 256)
  t.ok(maxDiff(s.residual, residualWant) < 1e-5, 'residual')
  const f = svfitInit(W, { rank: 8 })
  t.same(f.trainable, ['s'])
  t.equal(maxDiff(f.residual, s.residual), 0)
  const salt = saltInit(W, { rank: 8, loraRank: 4, rng: seededRng(2) })
  t.equal(maxDiff(salt.rest, s.residual), 0, 'SALT rest = W minus the top part')
  t.ok(Array.from(salt.scale).every((x) => x === 1) && Array.from(salt.shift).every((x) => x === 0))
})

t.test('NLoRA with the reference sketches matches numpy exactly; B·N·A reproduces a rank-r matrix', async (t) => {
  const n = nloraInit(W, { ...opts, sketches: { omega: ref('nlora_omega'), psi: ref('nlora_psi') } })
  t.ok(rel(n.b, ref('nlora_B')) < REL_TOL && rel(n.a, ref('nlora_A')) < REL_TOL, 'sketches')
  t.ok(rel(n.n, ref('nlora_N')) < 1e-4, `N = C⁺/s (rel ${rel(n.n, ref('nlora_N'))}; a pseudo-inverse amplifies f32 rounding of the inputs)`)
  const lowRank = matmul(matrix(Float64Array.from({ length: 40 * 3 }, (_, i) => Math.sin(i)), 40, 3), matrix(Float64Array.from({ length: 3 * 30 }, (_, i) => Math.cos(i)), 3, 30))
  const r = nloraInit(lowRank, { rank: 3, rng: seededRng(3) })
  t.ok(fro(r.residual) < 1e-8 * fro(lowRank), 'Nyström is exact on a rank-r matrix')
  t.throws(() => nloraInit(W, { rank: 8 }), { _tag: 'InvalidArgument', argument: 'rng' })
})

t.test('LoRA (kaiming-uniform), gaussian and LoRA-FA inits', async (t) => {
  const l = loraInit({ inFeatures: 256, outFeatures: 128, rank: 8, alpha: 16, rng: seededRng(4) })
  const bound = 1 / Math.sqrt(256)
  t.ok(l.a.data.every((x) => Math.abs(x) <= bound) && l.b.data.every((x) => x === 0))
  let mean = 0, sq = 0
  for (const x of l.a.data) { mean += x; sq += x * x }
  mean /= l.a.data.length; sq /= l.a.data.length
  t.ok(Math.abs(sq - bound * bound / 3) < 0.1 * bound * bound / 3, 'variance of U(−b, b) = b²/3')
  t.equal(l.scaling, 2)
  const g = gaussianInit({ inFeatures: 256, outFeatures: 128, rank: 8, rng: seededRng(5), useRslora: true, alpha: 16 })
  let gs = 0
  for (const x of g.a.data) gs += x * x
  t.ok(Math.abs(Math.sqrt(gs / g.a.data.length) - 1 / 8) < 0.01, 'std 1/r')
  t.equal(g.scaling, 16 / Math.sqrt(8))
  t.same(loraFaInit({ inFeatures: 4, outFeatures: 4, rank: 2, rng: seededRng(6) }).frozen, ['a'])
  void mean
})
