// dqds (src/internal/dqds.ts, LAPACK dlasq1–6) against singular values computed independently in
// 120-digit arithmetic (tools/fixtures/dqds_ref.py → test/ref/dqds_cases.json): graded matrices over
// 16 decades, entries near 1e-300 and 1e150, a zero on the diagonal, clusters. dqds promises HIGH
// RELATIVE accuracy: every σᵢ, even the smallest, to a few ulps times n — unlike the bidiagonal QR,
// whose error is relative to σ₁. Property tests: agreement with the bidiagonal QR to O(n·ε·σ₁),
// exact scaling by powers of two, sorted and non-negative output.
import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { bidiagonalSingularValues } from '../src/internal/dqds.js'
import { bdsqr } from '../src/internal/svdKernel.js'

const EPS = 2 ** -52
// dqds: relative error of each σᵢ ≤ c·n·ε (Parlett & Marques 2000; LAPACK's dlasq2 notes ~ 4·n·ε
// per value in practice). We allow 16·n·ε.
const relTol = (n: number): number => 16 * n * EPS
// bidiagonal QR (Golub–Kahan): |σ̂ᵢ − σᵢ| ≤ c·n·ε·σ₁; we allow 16·n·ε·σ₁.
const absTol = (n: number, s1: number): number => 16 * n * EPS * s1

interface Case { name: string; d: number[]; e: number[]; s: number[] }
const refs = JSON.parse(readFileSync(fileURLToPath(new URL('./ref/dqds_cases.json', import.meta.url)), 'utf8')) as { cases: Case[] }

t.test('dqds: every singular value to high relative accuracy (120-digit reference)', async (t) => {
  t.ok(refs.cases.length >= 10, 'reference cases loaded')
  for (const c of refs.cases) {
    const n = c.d.length
    const d = Float64Array.from(c.d), e = Float64Array.from([...c.e, 0])
    const s = bidiagonalSingularValues(n, d, e)
    t.ok(s !== null, `${c.name}: converged`)
    if (s === null) continue
    let worst = 0
    for (let i = 0; i < n; i++) {
      const r = c.s[i]!
      worst = Math.max(worst, r === 0 ? (s[i] === 0 ? 0 : Infinity) : Math.abs(s[i]! - r) / r)
    }
    t.ok(worst <= relTol(n), `${c.name} (n = ${n}, σ from ${c.s[0]!.toExponential(2)} to ${c.s[n - 1]!.toExponential(2)}): max relative error ${worst.toExponential(2)} ≤ ${relTol(n).toExponential(2)}`)
    t.same(Array.from(d), c.d, `${c.name}: d not modified`)
  }
})

const randomBidiagonal = (n: number, seed: number, logSpread: number): { d: Float64Array; e: Float64Array } => {
  let s = seed >>> 0
  const u = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 }
  const d = new Float64Array(n), e = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    d[i] = (u() - 0.5) * 10 ** (-logSpread * u())
    if (i < n - 1) e[i] = (u() - 0.5) * 10 ** (-logSpread * u())
  }
  return { d, e }
}

t.test('dqds = bidiagonal QR up to O(n·ε·σ₁); sorted, non-negative; exact under 2^k scaling', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(
    fc.integer({ min: 1, max: 90 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 12 }), fc.integer({ min: -200, max: 200 }),
    (n, seed, spread, k) => {
      const { d, e } = randomBidiagonal(n, seed, spread)
      const s = bidiagonalSingularValues(n, d, e)
      if (s === null) return false
      const d2 = d.slice(), e2 = e.slice()
      bdsqr('test', n, n, d2, e2, undefined, undefined)
      const q = Array.from(d2).sort((x, y) => y - x)
      for (let i = 0; i < n; i++) {
        if (!(s[i]! >= 0) || (i > 0 && s[i]! > s[i - 1]!)) return false
        if (!(Math.abs(s[i]! - q[i]!) <= absTol(n, q[0]!))) return false
      }
      // scaling B by 2^k scales every σ by exactly 2^k (no rounding in the scaling)
      const f = 2 ** k
      const sk = bidiagonalSingularValues(n, d.map((x) => x * f), e.map((x) => x * f))
      if (sk === null) return false
      for (let i = 0; i < n; i++) if (sk[i] !== s[i]! * f) return false
      return true
    }), { seed: 42, numRuns: 200 }), 'dqds agrees with bdsqr and scales exactly on 200 random graded bidiagonals')
})

t.test('dqds: trivial sizes and diagonal input', async (t) => {
  t.same(Array.from(bidiagonalSingularValues(0, new Float64Array(0), new Float64Array(0))!), [])
  t.same(Array.from(bidiagonalSingularValues(1, Float64Array.of(-3), Float64Array.of(0))!), [3])
  t.same(Array.from(bidiagonalSingularValues(3, Float64Array.of(1, -5, 2), Float64Array.of(0, 0, 0))!), [5, 2, 1])
  const s2 = bidiagonalSingularValues(2, Float64Array.of(3, 0), Float64Array.of(4, 0))!
  t.ok(Math.abs(s2[0]! - 5) <= 4 * EPS * 5 && s2[1] === 0, `[[3, 4], [0, 0]] → [5, 0], got [${Array.from(s2)}]`)
})
