import t from 'tap'
import fc from 'fast-check'
import { selectLoraRank } from '../src/extract/selectLoraRank.js'

t.test('kohya rank rules on a known spectrum', async (t) => {
  const s = [4, 2, 1, 0.5] // Σσ² = 21.25, Σσ = 7.5
  t.equal(selectLoraRank(s, { kind: 'fixed' }, { maxRank: 3 }), 3)
  t.equal(selectLoraRank(s, { kind: 'energy', threshold: 0.75 }, { maxRank: 4 }), 1, '16/21.25 = 0.753 ≥ 0.75')
  t.equal(selectLoraRank(s, { kind: 'energy', threshold: 0.9 }, { maxRank: 4 }), 2, '20/21.25 = 0.941')
  t.equal(selectLoraRank(s, { kind: 'frobenius', threshold: 0.9 }, { maxRank: 4 }), 2, 'sv_fro 0.9 → energy 0.81')
  t.equal(selectLoraRank(s, { kind: 'cumulative', threshold: 0.8 }, { maxRank: 4 }), 2, '6/7.5 = 0.8 (searchsorted left)')
  t.equal(selectLoraRank(s, { kind: 'ratio', threshold: 5 }, { maxRank: 4 }), 3, 'σ > 0.8: 4, 2, 1')
  t.equal(selectLoraRank(s, { kind: 'ratio', threshold: 5 }, { maxRank: 2 }), 2, 'capped at maxRank')
  t.equal(selectLoraRank([0, 0], { kind: 'energy', threshold: 0.9 }, { maxRank: 2 }), 1, 'zero matrix → rank 1')
  t.equal(selectLoraRank([4, 2], { kind: 'energy', threshold: 0.99 }, { maxRank: 8, totalEnergy: 100 }), 2, 'partial spectrum: threshold never reached → all computed')
  t.throws(() => selectLoraRank(s, { kind: 'energy', threshold: 0 }, { maxRank: 2 }), { _tag: 'InvalidArgument' })
})

t.test('energy rank is the smallest k reaching the threshold, monotone in the threshold', async (t) => {
  fc.assert(fc.property(fc.array(fc.double({ min: 0.01, max: 10, noNaN: true }), { minLength: 1, maxLength: 30 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (xs, e) => {
    const s = [...xs].sort((a, b) => b - a)
    const k = selectLoraRank(s, { kind: 'energy', threshold: e }, { maxRank: s.length })
    const tot = s.reduce((a, x) => a + x * x, 0)
    const kept = (n: number) => s.slice(0, n).reduce((a, x) => a + x * x, 0) / tot
    const ok = kept(k) >= e - 1e-12 || k === s.length
    const minimal = k === 1 || kept(k - 1) < e
    return ok && minimal && selectLoraRank(s, { kind: 'energy', threshold: Math.min(1, e + 0.1) }, { maxRank: s.length }) >= k
  }), { seed: 42 })
})
