import t from 'tap'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { kron, matrix, type Mat } from '@lr/svd'
import { sokaInit } from '../src/soka/sokaInit.js'
import { TINY, loadF32 } from './fixtures.js'
import { maxDiff, randomMat } from './helpers.js'

const REF = loadF32(fileURLToPath(new URL('./ref/adapters_refs.safetensors', import.meta.url))).tensors
const W = matrix(loadF32(join(TINY, 'base_layer0_f32.safetensors')).tensors.get('model.layers.0.self_attn.k_proj.weight')!.data, 128, 256)
const sum = (b: readonly Mat[], c: readonly Mat[]): Mat<Float64Array> => {
  const out = new Float64Array(128 * 256)
  b.forEach((bk, k) => { const term = kron(bk, c[k]!); for (let i = 0; i < out.length; i++) out[i] = out[i]! + term.data[i]! })
  return matrix(out, 128, 256)
}

t.test('SoKA: the kept Kronecker sum and spectrum match numpy (Van Loan–Pitsianis + SVD); residual + sum = W', async (t) => {
  const s = sokaInit(W, { factorShape: [8, 16], rule: { kind: 'fixed', rank: 4 } })
  const ref = REF.get('soka_sum4')!
  const got = sum(s.b, s.c)
  t.ok(maxDiff(got, matrix(ref.data, 128, 256)) < 1e-5, 'Σ₄ Bₖ⊗Cₖ (sign-invariant)')
  t.ok(Array.from(s.s).every((x, i) => Math.abs(x - REF.get('soka_s')!.data[i]!) < 1e-5), 'σₖ')
  const back = matrix(Float64Array.from(s.residual.data, (x, i) => x + got.data[i]!), 128, 256)
  t.ok(maxDiff(back, W) < 1e-6, 'residual + ΔW = W')
  const spectrum = Array.from(REF.get('soka_s')!.data)
  const tot = spectrum.reduce((a, x) => a + x * x, 0)
  let acc = 0, want = 0
  while (acc < 0.5 * tot) { acc += spectrum[want]! ** 2; want++ }
  t.equal(sokaInit(W, { factorShape: [8, 16], rule: { kind: 'energy', threshold: 0.5 } }).rank, want, 'energy rule')
  const e = sokaInit(W, { factorShape: [8, 16], rule: { kind: 'elbow', maxRank: 32 } })
  t.ok(e.rank >= 1 && e.rank <= 32, `elbow rank ${e.rank}`)
})

t.test('SoKA recovers an exact sum of two Kronecker products', async (t) => {
  const a = kron(randomMat(4, 3, 1), randomMat(5, 6, 2)), b = kron(randomMat(4, 3, 3), randomMat(5, 6, 4))
  const w = matrix(Float64Array.from(a.data, (x, i) => x + b.data[i]!), 20, 18)
  const s = sokaInit(w, { factorShape: [4, 3], rule: { kind: 'energy', threshold: 1 - 1e-12 } })
  t.equal(s.rank, 2)
  t.ok(Math.max(...Array.from(s.residual.data, Math.abs)) < 1e-10)
  t.throws(() => sokaInit(w, { factorShape: [3, 3] }), { _tag: 'ShapeMismatch' })
})
