import t from 'tap'
import fc from 'fast-check'
import { effectiveRankOf, energyAt, layerAndModule, layerSpectrum } from '../src/spectrum/layerSpectrum.js'

/** svd works in f64 on f32 input: singular values agree to ~1e-12 relative; 1e-9 leaves room for the f32 → f64 copy. */
const SV_TOL = 1e-9

t.test('layerSpectrum of a scaled permutation: the singular values are the |scales|, sorted', async (t) => {
  fc.assert(fc.property(fc.array(fc.integer({ min: -50, max: 50 }).filter((v) => v !== 0), { minLength: 1, maxLength: 12 }), (scales) => {
    const n = scales.length, w = new Float32Array(n * n)
    scales.forEach((s, i) => { w[i * n + ((i + 1) % n)] = s }) // row i → column i+1 (mod n): a scaled cyclic shift
    const sp = layerSpectrum('model.layers.3.mlp.up_proj.weight', w, [n, n], { ranks: [1] })
    const want = scales.map(Math.abs).sort((a, b) => b - a)
    return sp.s.every((v, i) => Math.abs(v - want[i]!) <= SV_TOL * want[0]!) && sp.layer === 3 && sp.module === 'up_proj'
      && Math.abs(sp.energy[0]!.fraction - want[0]! ** 2 / want.reduce((a, b) => a + b * b, 0)) < SV_TOL
  }), { seed: 42 })
})

t.test('effective rank and energy: definitions on known spectra', async (t) => {
  t.equal(effectiveRankOf([1, 1, 0]), 2)
  t.ok(Math.abs(effectiveRankOf([5, 5, 5, 5]) - 4) < 1e-12)
  t.equal(effectiveRankOf([0, 0]), 0)
  t.ok(effectiveRankOf([10, 1, 0.1]) > 1 && effectiveRankOf([10, 1, 0.1]) < 2)
  t.equal(energyAt([3, 4], 1), 9 / 25)
  t.equal(energyAt([3, 4], 5), 1)
  t.same(layerAndModule('model.layers.12.self_attn.q_proj.weight'), { layer: 12, module: 'q_proj' })
  t.same(layerAndModule('lm_head.weight'), { layer: -1, module: 'lm_head' })
})
