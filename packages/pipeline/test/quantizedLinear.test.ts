import t from 'tap'
import fc from 'fast-check'
import type { NamedTensor } from '@lr/io-safetensors'
import { dequantize, quantizeIntK, quantizeNf4, svdQuant, svdQuantDense } from '@lr/quant'
import { matrix } from '@lr/svd'
import { packedQuantLinear, parsePackedQuantParams, quantizedLinear, svdQuantLinear } from '../src/eval/quantizedLinear.js'

/** f64 reference of y = x·Wᵀ for row-major x [n, k], w [m, k]. */
const naive = (x: Float32Array, w: ArrayLike<number>, n: number, m: number, k: number): Float64Array => {
  const y = new Float64Array(n * m)
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) { let s = 0; for (let p = 0; p < k; p++) s += x[i * k + p]! * w[j * k + p]!; y[i * m + j] = s }
  return y
}
/** f32 accumulation over k ≤ 64 products (plus the f32 intermediates of the low-rank branches and of x·diag(1/λ)):
 *  ≤ 2⁻²⁴·(k + r + 2)·Σ|terms|; 1e-5 of the output scale covers it with margin. */
const REL_TOL = 1e-5
const close = (a: ArrayLike<number>, b: ArrayLike<number>): boolean => {
  let scale = 1e-30, err = 0
  for (let i = 0; i < a.length; i++) { scale = Math.max(scale, Math.abs(b[i]!)); err = Math.max(err, Math.abs(a[i]! - b[i]!)) }
  return err <= REL_TOL * scale
}
const fill = (len: number, seed: number): Float32Array => {
  let s = seed >>> 0 || 1
  return Float32Array.from({ length: len }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 31 - 1 })
}
const dims = fc.record({ n: fc.integer({ min: 1, max: 9 }), m: fc.integer({ min: 1, max: 40 }), k: fc.integer({ min: 1, max: 32 }).map((h) => 2 * h), seed: fc.integer() })

t.test('quantizedLinear (int-k, NF4) equals x·dequantize(q)ᵀ', async (t) => {
  fc.assert(fc.property(dims, fc.integer({ min: 2, max: 8 }), ({ n, m, k, seed }, bits) => {
    const w = matrix(fill(m * k, seed), m, k), x = fill(n * k, seed + 1)
    return [quantizeIntK(w, { bits, groupSize: 8 }), quantizeNf4(w, { blockSize: 16 })]
      .every((q) => close(quantizedLinear(q).apply(x, n), naive(x, dequantize(q).data, n, m, k)))
  }), { seed: 42 })
  const q = quantizeIntK(matrix(fill(6 * 8, 1), 6, 8), { bits: 4, groupSize: 8 })
  t.same([quantizedLinear(q).kind, quantizedLinear(q).outFeatures, quantizedLinear(q).inFeatures], ['int4', 6, 8])
})

t.test('packedQuantLinear reads the lr quantize layouts (int4 + EoRA, NF4, svdquant) and applies what they store', async (t) => {
  const m = 24, k = 40, n = 5, mod = 'model.layers.0.mlp.up_proj'
  const w = matrix(fill(m * k, 7), m, k), x = fill(n * k, 8)
  const cov = matrix(new Float32Array(k * k), k, k)
  const xs = fill(3 * k * k, 9)
  for (let s = 0; s < 3 * k; s++) for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) cov.data[i * k + j] += xs[s * k + i]! * xs[s * k + j]!
  const q = quantizeIntK(w, { bits: 4, groupSize: 16 })
  const eb = fill(m * 3, 10), ea = fill(3 * k, 11)
  const intTensors = (qq: typeof q): NamedTensor[] => [
    { name: `${mod}.weight_packed`, dtype: 'U8', shape: [m, (k * qq.bits) / 8], data: qq.codes },
    { name: `${mod}.weight_scales`, dtype: 'F32', shape: [m, Math.ceil(k / qq.groupSize)], data: qq.scales },
    { name: `${mod}.weight_zeros`, dtype: 'U8', shape: [m, Math.ceil(k / qq.groupSize)], data: qq.zeros },
  ]
  const lookup = (ts: NamedTensor[]) => (name: string) => ts.find((x) => x.name === name)
  const params = parsePackedQuantParams({ lr_quant: JSON.stringify({ bits: 4, groupSize: 16, isSymmetric: true, bitOrder: 'lsb-first', eoraRank: 3 }) }, 'f')
  // int4 + EoRA: W' = deq(Q) + b·a
  const withEora = [...intTensors(q), { name: `${mod}.weight_eora_b`, dtype: 'F32', shape: [m, 3], data: eb } as NamedTensor, { name: `${mod}.weight_eora_a`, dtype: 'F32', shape: [3, k], data: ea } as NamedTensor]
  const deq = dequantize(q).data, eff = Float64Array.from(deq)
  for (let i = 0; i < m; i++) for (let r = 0; r < 3; r++) for (let j = 0; j < k; j++) eff[i * k + j] += eb[i * 3 + r]! * ea[r * k + j]!
  const lin = packedQuantLinear(mod, m, k, lookup(withEora), params, 'f')!
  t.equal(lin.kind, 'int4+eora')
  t.ok(close(lin.apply(x, n), naive(x, eff, n, m, k)), 'int4 + EoRA')
  const q8 = quantizeIntK(w, { bits: 4, groupSize: 8 })
  t.ok(close(packedQuantLinear(mod, m, k, lookup(intTensors(q8)), undefined, 'f')!.apply(x, n), naive(x, dequantize(q8).data, n, m, k)), 'int4 without metadata: group size in/groups when it divides')
  t.throws(() => packedQuantLinear(mod, m, k, lookup(intTensors(q)), undefined, 'f'), { _tag: 'ModelTensorError' }, '40 columns in 3 groups: ambiguous without lr_quant')
  // NF4
  const nf = quantizeNf4(w)
  const nfT: NamedTensor[] = [{ name: `${mod}.weight_packed`, dtype: 'U8', shape: [m, k / 2], data: nf.codes }, { name: `${mod}.weight_absmax`, dtype: 'F32', shape: [nf.absmax.length], data: nf.absmax }]
  t.ok(close(packedQuantLinear(mod, m, k, lookup(nfT), { blockSize: 64 }, 'f')!.apply(x, n), naive(x, dequantize(nf).data, n, m, k)), 'NF4')
  // svdquant
  const sq = svdQuant(w, cov, { rank: 4, bits: 4, groupSize: 16 })
  const sqT: NamedTensor[] = [...intTensors(sq.residual), { name: `${mod}.weight_smooth`, dtype: 'F32', shape: [k], data: sq.smooth },
    { name: `${mod}.weight_lr_up`, dtype: 'F32', shape: [m, 4], data: sq.lowRankUp.data }, { name: `${mod}.weight_lr_down`, dtype: 'F32', shape: [4, k], data: sq.lowRankDown.data }]
  const sl = packedQuantLinear(mod, m, k, lookup(sqT), params, 'f')!
  t.equal(sl.kind, 'svdquant')
  t.ok(close(sl.apply(x, n), naive(x, svdQuantDense(sq).data, n, m, k)), 'svdquant = lr_up·lr_down + deq(R)·diag(1/smooth)')
  t.ok(close(svdQuantLinear({ smooth: sq.smooth, lowRankUp: sq.lowRankUp.data, lowRankDown: sq.lowRankDown.data, rank: 4, residual: sq.residual }).apply(x, n), naive(x, svdQuantDense(sq).data, n, m, k)))
  // absent / misshapen
  t.equal(packedQuantLinear(mod, m, k, lookup([]), params, 'f'), undefined, 'no weight_packed: not a packed layer')
  t.throws(() => packedQuantLinear(mod, m + 1, k, lookup(intTensors(q)), params, 'f'), { _tag: 'ModelTensorError' })
  t.throws(() => packedQuantLinear(mod, m, k, lookup(intTensors(q).slice(0, 1)), params, 'f'), { _tag: 'ModelTensorError', tensor: `${mod}.weight_scales` })
  t.throws(() => parsePackedQuantParams({ lr_quant: '{' }, 'f'), { _tag: 'ModelTensorError' })
})
