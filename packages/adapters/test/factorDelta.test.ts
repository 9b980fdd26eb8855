import t from 'tap'
import fc from 'fast-check'
import { seededRng, svd } from '@lr/svd'
import { factorDelta } from '../src/extract/factorDelta.js'
import { extractLora } from '../src/extract/extractLora.js'
import { fro, lowRank, matmul, maxDiff, randomMat, el, colMajor } from './helpers.js'
import { matrix } from '@lr/svd'

/** f64 reconstruction of an exactly rank-r matrix. */
const EXACT_TOL = 1e-9

t.test('a rank-r matrix is recovered exactly at rank ≥ r; error identity matches a direct computation', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 2, max: 14 }), fc.integer({ min: 2, max: 14 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 500 }), (m, n, r0, seed) => {
    const r = Math.min(r0, m, n)
    const d = lowRank(m, n, r, seed)
    const f = factorDelta(d, { rank: r })
    if (maxDiff(matmul(f.b, f.a), d) > EXACT_TOL * fro(d)) return false
    const g = factorDelta(randomMat(m, n, seed), { rank: 1 })
    const direct = fro(matrix(Float64Array.from({ length: m * n }, (_, i) => el(randomMat(m, n, seed), Math.floor(i / n), i % n) - el(matmul(g.b, g.a), Math.floor(i / n), i % n)), m, n)) / g.norm
    return Math.abs(direct - g.relativeError) < 1e-9
  }), { seed: 42 })
})

t.test('balanced and kohya (up) splits give the same product; the truncation is Eckart–Young optimal', async (t) => {
  const d = randomMat(12, 9, 7)
  const bal = factorDelta(d, { rank: 4 }), up = factorDelta(d, { rank: 4, split: 'up' })
  t.ok(maxDiff(matmul(bal.b, bal.a), matmul(up.b, up.a)) < 1e-12)
  const s = svd(d, { mode: 'values' }).s
  const tail = Math.sqrt(Array.from(s).slice(4).reduce((a, x) => a + x * x, 0))
  t.ok(Math.abs(bal.relativeError * bal.norm - tail) < 1e-12, 'error = √(Σ_{i>r} σᵢ²)')
  t.equal(maxDiff(matmul(factorDelta(colMajor(d), { rank: 4 }).b, factorDelta(colMajor(d), { rank: 4 }).a), matmul(bal.b, bal.a)) < 1e-12, true, 'column-major input')
})

t.test('randomized SVD on a low-rank-plus-noise matrix matches the exact truncation', async (t) => {
  const d = lowRank(60, 50, 5, 3)
  const ex = factorDelta(d, { rank: 5, svd: 'exact' })
  const rnd = factorDelta(d, { rank: 5, svd: 'randomized', rng: seededRng(7) })
  t.ok(maxDiff(matmul(ex.b, ex.a), matmul(rnd.b, rnd.a)) < 1e-8 * fro(d))
  t.throws(() => factorDelta(d, { rank: 5, svd: 'randomized' }), { _tag: 'InvalidArgument', argument: 'rng' })
  t.throws(() => factorDelta(d, { rank: 5, svd: 'randomized', rule: { kind: 'cumulative', threshold: 0.5 }, rng: seededRng(1) }), { argument: 'rule' })
})

t.test('extractLora = factorDelta(tuned − base); dynamic rules and clamping', async (t) => {
  const base = randomMat(10, 8, 1), delta = lowRank(10, 8, 3, 2)
  const tuned = matrix(Float64Array.from({ length: 80 }, (_, i) => el(base, Math.floor(i / 8), i % 8) + el(delta, Math.floor(i / 8), i % 8)), 10, 8)
  const ex = extractLora(base, tuned, { rank: 8, rule: { kind: 'energy', threshold: 0.999999 } })
  t.equal(ex.rank, 3, 'energy rule finds the true rank')
  t.ok(maxDiff(matmul(ex.b, ex.a), delta) < 1e-9)
  const raw = extractLora(base, tuned, { rank: 3, split: 'up' })
  const vals = Float64Array.from([...raw.b.data, ...raw.a.data]).sort()
  const pos = 0.5 * (vals.length - 1)
  const hi = vals[Math.floor(pos)]! + (vals[Math.ceil(pos)]! - vals[Math.floor(pos)]!) * (pos - Math.floor(pos))
  const clamped = extractLora(base, tuned, { rank: 3, split: 'up', clampQuantile: 0.5 })
  const all = [...clamped.a.data, ...clamped.b.data]
  t.ok(all.every((x) => Math.abs(x) <= Math.abs(hi) + 1e-15), 'every value within ±quantile (kohya clamp_quantile)')
  t.ok(all.some((x) => Math.abs(x - hi) < 1e-15), 'values above the quantile were clamped to it')
  t.throws(() => extractLora(base, randomMat(8, 10, 1), { rank: 2 }), { _tag: 'ShapeMismatch' })
})
