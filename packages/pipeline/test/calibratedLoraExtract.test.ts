import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { seededRng, matrix, transpose, gemm } from '@lr/svd'
import { reducedRankRegression } from '@lr/adapters'
import { loadLlama } from '../src/node/loadLlama.js'
import { llamaLogits, llamaForwardSteps } from '../src/eval/llama.js'
import { sampleLlama } from '../src/eval/sampleLlama.js'
import { calibratedLoraExtract } from '../src/eval/calibratedLoraExtract.js'
import { TB } from './fixtures.js'

const load = async (dir: string) => {
  const m = await loadLlama(dir)()
  if (E.isLeft(m)) throw m.left
  return m.right
}

t.test('sampleLlama (KV cache) draws what the full forward + the same generator draws', async (t) => {
  const model = await load(`${TB}/tuned_sharded`)
  const rows = 3, T = 20, V = model.config.vocabSize
  const ids = sampleLlama(model, { rows, length: T, seed: 5 })
  t.equal(ids.length, rows * T)
  t.same(sampleLlama(model, { rows, length: T, seed: 5 }), ids, 'deterministic')
  t.not(Buffer.from(sampleLlama(model, { rows, length: T, seed: 6 })).toString('hex'), Buffer.from(ids).toString('hex'), 'another seed, other text')
  // reference: no cache; each step's logits from llamaLogits on the whole prefix, uniforms drawn step-major
  const rng = seededRng(5), ref = new Uint8Array(rows * T)
  for (let b = 0; b < rows; b++) ref[b * T] = 10
  for (let s = 0; s + 1 < T; s++) for (let b = 0; b < rows; b++) {
    const logits = llamaLogits(model, ref.subarray(b * T, b * T + s + 1)).subarray(s * V, (s + 1) * V)
    let mx = -Infinity
    for (const v of logits) if (v > mx) mx = v
    const p = Array.from(logits, (v) => Math.exp(v - mx)), sum = p.reduce((a, v) => a + v, 0)
    const u = rng.uniform() * sum
    let c = 0, tok = V - 1
    for (let j = 0; j < V; j++) { c += p[j]!; if (u < c) { tok = j; break } }
    ref[b * T + s + 1] = tok
  }
  t.same(ids, ref)
  t.throws(() => sampleLlama(model, { length: model.config.maxPositionEmbeddings + 1 }), RangeError)
})

t.test('calibratedLoraExtract: the first module is the reduced-rank regression of the explicit activations; start = tuned gives no change', async (t) => {
  const base = await load(`${TB}/base`), tuned = await load(`${TB}/tuned_sharded`)
  const rows = 4, T = 32
  const calib = sampleLlama(tuned, { rows, length: T, seed: 1 })
  const q = 'model.layers.0.self_attn.q_proj'
  const mods = calibratedLoraExtract(base, tuned, calib, { rank: 8, rows, modules: new Set([q, 'model.layers.0.mlp.down_proj', 'lm_head']) })
  t.same(mods.map((m) => m.module), [q, 'model.layers.0.mlp.down_proj', 'lm_head'], 'forward order, selected modules only')
  // explicit X (base) and X_t (tuned) of q_proj: the first linear call of each forward
  const H = base.config.hiddenSize, out = base.layers[0]!.linears['self_attn.q_proj'].outFeatures
  const x = new Float64Array(rows * T * H), xt = new Float64Array(rows * T * H)
  for (let r = 0; r < rows; r++) {
    x.set(llamaForwardSteps(base, calib.subarray(r * T, (r + 1) * T)).next().value!.x as Float32Array, r * T * H)
    xt.set(llamaForwardSteps(tuned, calib.subarray(r * T, (r + 1) * T)).next().value!.x as Float32Array, r * T * H)
  }
  const X = matrix(x, rows * T, H), Xt = matrix(xt, rows * T, H)
  const wb = matrix(Float64Array.from(base.layers[0]!.linears['self_attn.q_proj'].weight!), out, H)
  const wt = matrix(Float64Array.from(tuned.layers[0]!.linears['self_attn.q_proj'].weight!), out, H)
  const tgt = gemm(Xt, transpose(wt)); gemm(X, transpose(wb), { out: tgt, alpha: -1, beta: 1 })
  const rr = reducedRankRegression(gemm(transpose(X), X), gemm(transpose(X), tgt), { rank: 8, tokens: rows * T })
  const m0 = mods[0]!
  t.equal(m0.rank, 8); t.equal(m0.inputRank, rr.inputRank)
  const ba = (b: Float32Array, a: Float32Array, r: number) => gemm(matrix(Float64Array.from(b), out, r), matrix(Float64Array.from(a), r, H))
  const got = ba(m0.b, m0.a, 8), want = ba(rr.b.data, rr.a.data, 8)
  let d = 0, n = 0
  for (let i = 0; i < got.data.length; i++) { d = Math.max(d, Math.abs(got.data[i]! - want.data[i]!)); n = Math.max(n, Math.abs(want.data[i]!)) }
  t.ok(d < 1e-4 * n, `B·A equals the direct computation (max diff ${d} of ${n})`)
  t.ok(mods.every((m) => m.relativeOutputError > 0 && m.relativeOutputError < 1), 'each module matches part of the output change')
  const same = calibratedLoraExtract(tuned, tuned, calib, { rank: 4, rows, modules: new Set([q, 'lm_head']) })
  t.ok(same.every((m) => m.relativeOutputError === 0 && m.b.every((v) => Math.abs(v) < 1e-6)), 'start = tuned: B·A = 0')
  t.throws(() => calibratedLoraExtract(base, tuned, calib.subarray(0, 10), { rank: 4, rows: 3 }), RangeError)
})
