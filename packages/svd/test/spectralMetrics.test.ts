import t from 'tap'
import fc from 'fast-check'
import { energyRatio, effectiveRank, stableRank, nuclearNorm, selectRank } from '../src/index.js'

/** Closed forms are exact up to a few roundings. */
const EXACT = 1e-14

t.test('closed forms', async (t) => {
  t.ok(Math.abs(energyRatio([3, 4], { rank: 1 }) - 9 / 25) <= EXACT)
  t.equal(energyRatio([0, 0], { rank: 1 }), 1)
  t.equal(energyRatio([2, 1], { rank: 5 }), 1)
  t.ok(Math.abs(effectiveRank([1, 1, 1, 1]) - 4) <= EXACT)
  t.ok(Math.abs(effectiveRank([5, 0, 0]) - 1) <= EXACT)
  t.equal(effectiveRank([]), 0)
  t.ok(Math.abs(stableRank([2, 1]) - 1.25) <= EXACT)
  t.equal(nuclearNorm([3, 2, 1]), 6)
  t.throws(() => nuclearNorm([1, Number.NaN]), { _tag: 'NotFinite' })
  t.throws(() => stableRank([1, -1]), { _tag: 'InvalidArgument' })
})

t.test('selectRank methods', async (t) => {
  const s = [10, 5, 1, 0.1]
  t.equal(selectRank(s, { method: 'energy', threshold: 0.99 }), 2) // (100+25)/126.01 = 0.992
  t.equal(selectRank(s, { method: 'energy', threshold: 0.999 }), 3)
  t.equal(selectRank(s, { method: 'ratio', minRatio: 0.05 }), 3)
  t.equal(selectRank(s, { method: 'frobenius', maxError: 0.1 }), 2) // tail √(1.01)/√126.01 = 0.0895
  t.equal(selectRank(s, { method: 'frobenius', maxError: 0.05 }), 3)
  t.equal(selectRank([10, 9.5, 9, 1, 0.9, 0.8], { method: 'elbow' }), 3)
  t.equal(selectRank([10, 1, 0.9, 0.8, 0.7], { method: 'elbow' }), 1)
  t.equal(selectRank([0, 0], { method: 'energy', threshold: 0.9 }), 0)
  t.throws(() => selectRank([1, 2], { method: 'elbow' }), { _tag: 'InvalidArgument' })
  t.throws(() => selectRank(s, { method: 'energy', threshold: 2 }), { _tag: 'InvalidArgument' })
})

t.test('property: metric bounds and rank monotonicity', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 100, noNaN: true }), { minLength: 1, maxLength: 30 }), fc.double({ min: 0, max: 1, noNaN: true }), (raw, th) => {
    const s = [...raw].sort((a, b) => b - a)
    const nz = s.filter((x) => x > 0).length
    if (nz === 0) return true
    const er = effectiveRank(s), sr = stableRank(s)
    const r = selectRank(s, { method: 'energy', threshold: th })
    const ok1 = er >= 1 - EXACT && er <= nz * (1 + EXACT) && sr >= 1 - EXACT && sr <= nz * (1 + EXACT)
    const ok2 = energyRatio(s, { rank: r }) >= th - EXACT && (r === 0 || energyRatio(s, { rank: r - 1 }) < th + EXACT)
    const fr = selectRank(s, { method: 'frobenius', maxError: Math.sqrt(1 - th) })
    return ok1 && ok2 && fr <= s.length && Math.abs(nuclearNorm(s) - s.reduce((a, b) => a + b, 0)) <= EXACT * nuclearNorm(s) * s.length
  }), { seed: 42, numRuns: 300 }))
})
