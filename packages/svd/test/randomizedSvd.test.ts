import t from 'tap'
import { randomizedSvd, randomizedSvdAsync, seededRng, svd, gemm, matrix, transpose, type LinearOperator, type Mat } from '../src/index.js'
import { F64_TOL, fixturesDir, froMat, loadRef, orthErrCols, orthErrRows, randn, readMatrices, reconErr } from './helpers.js'

/** Issue #3: randomized rank-r error within 1.05× of the optimal rank-r error (Eckart–Young). */
const NEAR_OPTIMAL = 1.05
const tailNorm = (s: ArrayLike<number>, r: number): number => { let e = 0; for (let i = r; i < s.length; i++) e += s[i]! * s[i]!; return Math.sqrt(e) }

t.test('tinyllama base matrices: error ≤ 1.05 × optimal at ranks 8, 32 (f32)', async (t) => {
  const ref = loadRef<Record<string, { s: number[] }>>('tinyllama_svals.json')
  for (const w of await readMatrices(`${fixturesDir}/tinyllama-bytes/base/model.safetensors`)) {
    const a = matrix(w.data, w.shape[0], w.shape[1])
    for (const rank of [8, 32]) {
      const { u, s, vt } = randomizedSvd(a, { rank, rng: seededRng(1) })
      const ratio = reconErr(a, u, s, vt) / tailNorm(ref[w.name]!.s, rank)
      t.ok(ratio <= NEAR_OPTIMAL, `${w.name} r=${rank}: error / optimal = ${ratio.toFixed(4)}`)
    }
  }
})

/** A [n, n] f32 with singular values σ_i = i^(−alpha) and dense singular vectors: H₁H₂·diag(σ)·H₃H₄
 *  (Householder reflectors from seeded Gaussian vectors), built in O(n²). */
const powerLaw = (n: number, alpha: number, seed: number): { a: Mat<Float32Array>; sigma: Float64Array } => {
  const rng = seededRng(seed)
  const sigma = Float64Array.from({ length: n }, (_, i) => (i + 1) ** -alpha)
  const w = new Float64Array(n * n)
  for (let i = 0; i < n; i++) w[i * n + i] = sigma[i]!
  const unit = () => { const v = Float64Array.from({ length: n }, () => rng.normal()); const nv = Math.hypot(...v); return v.map((x) => x / nv) }
  const tmp = new Float64Array(n)
  for (let h = 0; h < 2; h++) { // left: W ← (I − 2vvᵀ)W
    const v = unit(); tmp.fill(0)
    for (let i = 0; i < n; i++) { const vi = v[i]!; for (let j = 0; j < n; j++) tmp[j] += vi * w[i * n + j]! }
    for (let i = 0; i < n; i++) { const vi = 2 * v[i]!; for (let j = 0; j < n; j++) w[i * n + j] -= vi * tmp[j]! }
  }
  for (let h = 0; h < 2; h++) { // right: W ← W(I − 2vvᵀ)
    const v = unit()
    for (let i = 0; i < n; i++) { let d = 0; for (let j = 0; j < n; j++) d += w[i * n + j]! * v[j]!; d *= 2; for (let j = 0; j < n; j++) w[i * n + j] -= d * v[j]! }
  }
  return { a: matrix(Float32Array.from(w), n, n), sigma }
}

t.test('4096×4096 power-law (σ_i = 1/i), rank 64: error ≤ 1.05 × optimal; same seed → bit-identical', async (t) => {
  const n = 4096, rank = 64
  const { a, sigma } = powerLaw(n, 1, 3)
  const r1 = randomizedSvd(a, { rank, rng: seededRng(7) })
  // residual E = A − U·diag(s)·Vᵀ via gemm with beta (gemm is checked against a naive product in gemm.test.ts)
  const sv = matrix(new Float32Array(rank * n), rank, n)
  for (let i = 0; i < rank; i++) for (let j = 0; j < n; j++) sv.data[i * n + j] = r1.s[i]! * r1.vt.data[i * n + j]!
  const e = gemm(r1.u, sv, { alpha: -1, beta: 1, out: matrix(Float32Array.from(a.data), n, n) })
  const ratio = froMat(e) / tailNorm(sigma, rank)
  t.ok(ratio <= NEAR_OPTIMAL, `error / optimal = ${ratio.toFixed(4)}`)
  let sErr = 0
  for (let i = 0; i < rank; i++) sErr = Math.max(sErr, Math.abs(r1.s[i]! - sigma[i]!) / sigma[0]!)
  t.ok(sErr <= 1e-3, `leading σ within 1e-3·σ₁ (${sErr.toExponential(2)})`)
  const small = powerLaw(512, 1, 4).a
  const x1 = randomizedSvd(small, { rank, rng: seededRng(7) }), x2 = randomizedSvd(small, { rank, rng: seededRng(7) })
  t.ok(x1.u.data.every((v, i) => Object.is(v, x2.u.data[i])) && x1.s.every((v, i) => Object.is(v, x2.s[i])) && x1.vt.data.every((v, i) => Object.is(v, x2.vt.data[i])), 'same seed: bit-identical')
  const x3 = randomizedSvd(small, { rank, rng: seededRng(8) })
  t.ok(x3.u.data.some((v, i) => v !== x1.u.data[i]), 'other seed: other draw')  // (t.notSame diffs 32k-element arrays: slow)
})

t.test('LinearOperator: factored B·A of a LoRA, sync and async agree bit for bit', async (t) => {
  const b = randn('f64', 40, 6, 1), a = randn('f64', 6, 30, 2)
  const dense = gemm(b, a)
  const op: LinearOperator<Float64Array> = {
    shape: [40, 30], dtype: 'f64',
    matmul: (x) => gemm(b, gemm(a, x)),
    rmatmul: (y) => gemm(transpose(a), gemm(transpose(b), y)),
  }
  const asyncOp: LinearOperator<Float64Array> = { ...op, matmul: async (x) => op.matmul(x) as Mat<Float64Array>, rmatmul: async (y) => op.rmatmul(y) as Mat<Float64Array> }
  const r = randomizedSvd(op, { rank: 6, rng: seededRng(5) })
  const ref = svd(dense, { mode: 'values' }).s
  const err = Math.max(...Array.from(r.s, (v, i) => Math.abs(v - ref[i]!)))
  t.ok(err <= F64_TOL * ref[0]!, `exact rank: σ match full SVD (${(err / ref[0]!).toExponential(2)})`)
  t.ok(reconErr(dense, r.u, r.s, r.vt) <= F64_TOL * froMat(dense), 'exact rank: reconstruction')
  t.ok(orthErrCols(r.u) <= F64_TOL && orthErrRows(r.vt) <= F64_TOL, 'orthonormal factors')
  const ra = await randomizedSvdAsync(asyncOp, { rank: 6, rng: seededRng(5) })
  t.same(Array.from(ra.u.data), Array.from(r.u.data), 'async = sync (u)')
  t.same(Array.from(ra.s), Array.from(r.s), 'async = sync (s)')
  const rm = randomizedSvd(dense, { rank: 6, rng: seededRng(5) })
  t.ok(Math.max(...Array.from(rm.s, (v, i) => Math.abs(v - ref[i]!))) <= F64_TOL * ref[0]!, 'Mat input')
  t.same(randomizedSvd({ rank: 3, rng: seededRng(5) })(dense).s.length, 3, 'data-last form')
})

t.test('randomizedSvd errors', async (t) => {
  const a = randn('f64', 10, 8, 1)
  t.throws(() => randomizedSvd(a, { rank: 0 }), { _tag: 'InvalidArgument', argument: 'rank' })
  t.throws(() => randomizedSvd(a, { rank: 9 }), { _tag: 'InvalidArgument', argument: 'rank' })
  t.throws(() => randomizedSvd(a, { rank: 2, oversample: -1 }), { _tag: 'InvalidArgument', argument: 'oversample' })
  const bad = matrix(Float64Array.from(a.data), 10, 8); bad.data[3] = Number.NaN
  t.throws(() => randomizedSvd(bad, { rank: 2 }), { _tag: 'NotFinite', input: 'a' })
  const wrong: LinearOperator<Float64Array> = { shape: [10, 8], dtype: 'f64', matmul: () => randn('f64', 9, 12, 1) as Mat<Float64Array>, rmatmul: (y) => gemm(transpose(a), y) as Mat<Float64Array> }
  t.throws(() => randomizedSvd(wrong, { rank: 2 }), { _tag: 'ShapeMismatch' })
  const nan: LinearOperator<Float64Array> = { ...wrong, matmul: (x) => { const r = gemm(a as Mat<Float64Array>, x); r.data[0] = Number.NaN; return r } }
  t.throws(() => randomizedSvd(nan, { rank: 2 }), { _tag: 'NotFinite', input: 'op.matmul' })
  const promised: LinearOperator<Float64Array> = { ...wrong, matmul: async (x) => gemm(a as Mat<Float64Array>, x) }
  t.throws(() => randomizedSvd(promised, { rank: 2 }), { _tag: 'InvalidArgument' })
  await t.rejects(randomizedSvdAsync(wrong, { rank: 2 }), { _tag: 'ShapeMismatch' })
})

t.test('property: strided / transposed views give bit-identical randomized results', async (t) => {
  const fc = (await import('fast-check')).default
  const { asStridedView } = await import('./helpers.js')
  const { toContiguous } = await import('../src/index.js')
  t.doesNotThrow(() => fc.assert(fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 }), fc.integer({ min: 0, max: 1e6 }), (m, n, seed) => {
    const a = randn('f64', m, n, seed), rank = 1 + (seed % Math.min(m, n))
    const x = randomizedSvd(a, { rank, rng: seededRng(seed) })
    const y = randomizedSvd(asStridedView(a), { rank, rng: seededRng(seed) })
    const z = randomizedSvd(transpose(toContiguous(transpose(a))), { rank, rng: seededRng(seed) })
    const same = (p: ArrayLike<number>, q: ArrayLike<number>) => p.length === q.length && Array.prototype.every.call(p, (v: number, i: number) => Object.is(v, q[i]))
    return same(x.u.data, y.u.data) && same(x.s, y.s) && same(x.vt.data, y.vt.data) && same(x.u.data, z.u.data) && same(x.vt.data, z.vt.data)
  }), { seed: 42, numRuns: 100 }))
})
