// eigSym's fast path (internal): the blocked tridiagonalization (dsytrd/dlatrd) equals the unblocked
// dsytd2 up to rounding, and the eigenvectors by divide and conquer (bidiagonal D&C on the Cholesky
// factor of the shifted tridiagonal, blocked dormtr) meet the same bounds as the QL reference (tql2):
// eigenvalues agree, ‖A·V − V·Λ‖ and ‖VᵀV − I‖ are O(n·ε)·‖A‖, on every CPU path.
import t from 'tap'
import fc from 'fast-check'
import { setCpuOptions } from '../src/cpuOptions.js'
import { eigSymKernel, tql2 } from '../src/internal/eigKernel.js'
import { tridiagonalizeBlocked, tridiagonalizeUnblockedFrom } from '../src/internal/blocked/tridiagBlocked.js'

const EPS = 2 ** -52
// Householder reduction and both eigensolvers are backward stable: errors O(n·ε)·‖A‖. The D&C path
// works on T + s·I with |s| ≤ 2‖T‖, which multiplies the constant by ≤ 3; 16·n·ε covers both.
const tolFor = (n: number): number => 16 * Math.max(n, 1) * EPS

const lcg = (seed: number): (() => number) => {
  let s = seed >>> 0
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 2 ** 32 - 0.5 }
}
const symmetric = (n: number, f: (i: number, j: number) => number): Float64Array => {
  const a = new Float64Array(n * n)
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { const v = f(i, j); a[i * n + j] = v; a[j * n + i] = v }
  return a
}
const maxAbs = (a: ArrayLike<number>): number => { let e = 0; for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]!)); return e }
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let e = 0; for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i]! - b[i]!)); return e }

interface EigCheck { readonly res: number; readonly orth: number; readonly values: number; readonly sorted: boolean }

/** Runs eigSymKernel with vectors; residual and value errors relative to max(‖A‖_max, tiny). */
const checkEig = (n: number, a: Float64Array): EigCheck => {
  const { values, vt } = eigSymKernel('test', n, a.slice(), true)
  const scale = maxAbs(a) || 1
  let res = 0, orth = 0
  for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) {
    let s = 0
    for (let j = 0; j < n; j++) s += a[i * n + j]! * vt![k * n + j]!
    res = Math.max(res, Math.abs(s - values[k]! * vt![k * n + i]!) / scale)
  }
  for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) {
    let s = 0
    for (let i = 0; i < n; i++) s += vt![p * n + i]! * vt![q * n + i]!
    orth = Math.max(orth, Math.abs(s - (p === q ? 1 : 0)))
  }
  // reference values: unblocked reduction + QL
  const w = a.slice(), d = new Float64Array(n), e = new Float64Array(n), tau = new Float64Array(n)
  tridiagonalizeUnblockedFrom(n, w, 0, { d, e, tau }, new Float64Array(n), new Float64Array(n))
  tql2('test', n, d, e, undefined)
  const ref = Array.from(d).sort((x, y) => x - y)
  let sorted = true
  for (let i = 1; i < n; i++) if (values[i]! < values[i - 1]!) sorted = false
  return { res, orth, values: maxDiff(values, ref) / scale, sorted }
}

const assertEig = (t: Tap.Test, label: string, n: number, a: Float64Array): void => {
  const c = checkEig(n, a)
  const tol = tolFor(n)
  t.ok(c.res <= tol && c.orth <= tol && c.values <= tol && c.sorted,
    `${label} n=${n}: ‖AV−VΛ‖ ${c.res.toExponential(2)}, ‖VᵀV−I‖ ${c.orth.toExponential(2)}, |λ−λ_QL| ${c.values.toExponential(2)} ≤ ${tol.toExponential(2)}; ascending ${c.sorted}`)
}

const paths = [{ kernel: 'ts', threads: 1 }, { kernel: 'simd', threads: 1 }, { kernel: 'relaxed-simd', threads: 1 }, { kernel: 'relaxed-simd', threads: 2 }] as const

t.test('blocked tridiagonalization (dlatrd panels) = unblocked dsytd2', async (t) => {
  for (const path of paths) {
    setCpuOptions(path)
    for (const n of [64, 65, 97, 130, 200]) {
      const a = symmetric(n, lcg(n))
      const a1 = a.slice(), a2 = a.slice()
      const r1 = { d: new Float64Array(n), e: new Float64Array(n), tau: new Float64Array(n) }
      tridiagonalizeUnblockedFrom(n, a1, 0, r1, new Float64Array(n), new Float64Array(n))
      const r2 = tridiagonalizeBlocked(n, a2)
      // The reduction is backward stable but late entries of T are forward-sensitive (they depend on
      // every earlier reflector), so compare what is well conditioned: the first panel's reflectors,
      // τ's and d, e, and the spectrum of the whole T (eigenvalues are perfectly conditioned).
      let first = 0
      for (let k = 0; k < 32; k++) {
        for (let c = k + 2; c < n; c++) first = Math.max(first, Math.abs(a1[k * n + c]! - a2[k * n + c]!))
        first = Math.max(first, Math.abs(r1.d[k]! - r2.d[k]!), Math.abs(r1.e[k]! - r2.e[k]!), Math.abs(r1.tau[k]! - r2.tau[k]!))
      }
      tql2('test', n, r1.d, r1.e, undefined)
      tql2('test', n, r2.d, r2.e, undefined)
      const l1 = Array.from(r1.d).sort((x, y) => x - y), l2 = Array.from(r2.d).sort((x, y) => x - y)
      const tol = tolFor(n) * Math.max(1, maxAbs(a))
      t.ok(first <= tol && maxDiff(l1, l2) <= tol, `${path.kernel}×${path.threads} n=${n}: first panel differs by ${first.toExponential(2)}, spectra of T by ${maxDiff(l1, l2).toExponential(2)} ≤ ${tol.toExponential(2)}`)
    }
  }
  setCpuOptions({ kernel: 'auto', threads: 0 })
})

t.test('eigenvectors by divide and conquer = QL reference bounds, every CPU path', async (t) => {
  for (const path of paths) {
    setCpuOptions(path)
    for (const n of [26, 40, 64, 100, 150]) assertEig(t, `${path.kernel}×${path.threads} random`, n, symmetric(n, lcg(n * 11)))
  }
  setCpuOptions({ kernel: 'auto', threads: 0 })
})

t.test('structured cases: clustered, repeated, zero, identity, rank one, definite, graded', async (t) => {
  for (const n of [30, 80, 130]) {
    const r = lcg(n + 1)
    assertEig(t, 'clustered 1 ± 1e−10', n, symmetric(n, (i, j) => (i === j ? 1 + 1e-10 * r() : 1e-12 * r())))
    assertEig(t, 'repeated (diagonal 1, 2, 2, 3)', n, symmetric(n, (i, j) => (i === j ? [1, 2, 2, 3][i % 4]! : 0)))
    assertEig(t, 'zero', n, symmetric(n, () => 0))
    assertEig(t, 'identity', n, symmetric(n, (i, j) => (i === j ? 1 : 0)))
    const x = Float64Array.from({ length: n }, r)
    assertEig(t, 'rank one x·xᵀ', n, symmetric(n, (i, j) => x[i]! * x[j]!))
    assertEig(t, 'negative definite', n, symmetric(n, (i, j) => (i === j ? -n : r())))
    assertEig(t, 'graded diagonal 10^(−i/8) plus coupling', n, symmetric(n, (i, j) => (i === j ? 10 ** (-i / 8) : j === i - 1 ? 1e-3 * 10 ** (-i / 8) : 0)))
    assertEig(t, 'already tridiagonal (1, 2, 1)', n, symmetric(n, (i, j) => (i === j ? 2 : j === i - 1 ? 1 : 0)))
  }
})

t.test('property: random symmetric matrices with special entries meet the bounds', async (t) => {
  const entry = fc.oneof({ weight: 5, arbitrary: fc.double({ min: -1, max: 1, noNaN: true }) }, { weight: 1, arbitrary: fc.constantFrom(0, 1, 1e-20) })
  let worst = 0
  fc.assert(fc.property(fc.integer({ min: 26, max: 70 }), fc.array(entry, { minLength: 70 * 70, maxLength: 70 * 70 }), (n, xs) => {
    const c = checkEig(n, symmetric(n, (i, j) => xs[i * 70 + j]!))
    worst = Math.max(worst, c.res, c.orth, c.values)
    return c.res <= tolFor(n) && c.orth <= tolFor(n) && c.values <= tolFor(n) && c.sorted
  }), { seed: 42, numRuns: 25 })
  t.ok(worst <= tolFor(70), `worst error ${worst.toExponential(2)} ≤ ${tolFor(70).toExponential(2)}`)
})
