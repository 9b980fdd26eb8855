import t from 'tap'
import fc from 'fast-check'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { matrix, transpose } from '@lr/svd'
import { mergeLora, unmergeLora } from '../src/merge/mergeLora.js'
import { loraDelta } from '../src/merge/loraDelta.js'
import { parsePeftConfig } from '../src/peft/peftConfig.js'
import { parsePeftAdapter } from '../src/peft/parsePeftAdapter.js'
import { TINY, loadF32, maxAbsDiff } from './fixtures.js'
import { randomMat, matmul, maxDiff, colMajor, el } from './helpers.js'

/** The bound for merging against PEFT's merge_and_unload (f32 from the BF16 base). */
const FIXTURE_TOL = 1e-5

for (const dir of ['lora_r16_trained', 'random_rslora_patterns']) {
  t.test(`merging ${dir} into base reproduces PEFT's expected_merged_layer0`, async (t) => {
    const base = loadF32(join(TINY, 'base/model.safetensors')).tensors
    const expected = loadF32(join(TINY, dir, 'expected_merged_layer0.safetensors')).tensors
    const config = parsePeftConfig(readFileSync(join(TINY, dir, 'adapter_config.json'), 'utf8'))
    const ad = parsePeftAdapter(config, [...loadF32(join(TINY, dir, 'adapter_model.safetensors')).tensors].map(([name, v]) => ({ name, ...v })))
    t.equal(expected.size, 7)
    let worst = 0
    for (const [name, exp] of expected) {
      const mod = ad.modules.get(name.slice(0, -'.weight'.length))!
      const w = base.get(name)!
      const merged = mergeLora(matrix(w.data, w.shape[0]!, w.shape[1]!), mod)
      worst = Math.max(worst, maxAbsDiff(merged.data, exp.data))
    }
    t.ok(worst <= FIXTURE_TOL, `max abs error ${worst} ≤ ${FIXTURE_TOL}`)
  })
}

/** f64 round trip: W + ΔW − ΔW differs from W by at most a few ulps of max(|W|, |ΔW|). */
const ROUNDTRIP_TOL = 1e-12

t.test('unmergeLora(mergeLora(w, l), l) ≈ w, and merge = w + s·B·A', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 6 }),
    fc.double({ min: -4, max: 4, noNaN: true }), fc.integer({ min: 1, max: 1000 }), (m, n, r, s, seed) => {
      const w = randomMat(m, n, seed), a = randomMat(r, n, seed + 1), b = randomMat(m, r, seed + 2)
      const l = { a, b, scaling: s }
      const merged = mergeLora(w, l)
      const ref = matmul(b, a)
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) if (Math.abs(el(merged, i, j) - el(w, i, j) - s * el(ref, i, j)) > ROUNDTRIP_TOL) return false
      return maxDiff(unmergeLora(merged, l), w) <= ROUNDTRIP_TOL
    }), { seed: 42 })
  t.equal(maxDiff(loraDelta({ a: randomMat(2, 3, 1), b: randomMat(4, 2, 2), scaling: 0 }), matrix(new Float64Array(12), 4, 3)), 0, 'scaling 0 → ΔW = 0')
})

t.test('strided, column-major and transposed views give the same merge; fan_in_fan_out transposes ΔW', async (t) => {
  const w = randomMat(5, 7, 3), a = randomMat(2, 7, 4), b = randomMat(5, 2, 5)
  const l = { a, b, scaling: 1.5 }
  const ref = mergeLora(w, l)
  t.equal(maxDiff(mergeLora(colMajor(w), { a: colMajor(a), b: colMajor(b), scaling: 1.5 }), ref), 0)
  const wt = transpose(colMajor(transpose(w)))
  t.equal(maxDiff(mergeLora(wt, l), ref), 0)
  const fifo = mergeLora(transpose(w), l, { fanInFanOut: true })
  t.equal(maxDiff(fifo, transpose(ref)), 0)
  t.same(loraDelta(l, { fanInFanOut: true }).shape, [7, 5])
})

t.test('shape and dtype errors', async (t) => {
  const a = randomMat(2, 7, 4), b = randomMat(5, 2, 5)
  t.throws(() => mergeLora(randomMat(7, 5, 1), { a, b, scaling: 1 }), { _tag: 'ShapeMismatch' })
  t.throws(() => mergeLora(randomMat(5, 7, 1), { a: randomMat(3, 7, 1), b, scaling: 1 }), { _tag: 'ShapeMismatch' })
  t.throws(() => mergeLora(randomMat(5, 7, 1, 'f32'), { a, b, scaling: 1 }), { _tag: 'ShapeMismatch' })
})
