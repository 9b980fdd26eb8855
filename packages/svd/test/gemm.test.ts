import t from 'tap'
import fc from 'fast-check'
import { gemm, gemv, matrix, transpose, sliceCols, sliceRows, toContiguous, type Mat } from '../src/index.js'
import { asStridedView, dense, get, mul, randn } from './helpers.js'

/** Products accumulate in f64: error ≤ k·ε·Σ|a||b| (f64), plus one f32 rounding of the result (f32). */
const F64_PRODUCT_TOL = 1e-14
const F32_PRODUCT_TOL = 2 ** -23

const maxRelDiff = (c: Mat, ref: Float64Array, scale: number): number => {
  const [m, n] = c.shape
  let d = 0
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) d = Math.max(d, Math.abs(get(c, i, j) - ref[i * n + j]!))
  return d / Math.max(scale, 1e-300)
}

t.test('gemm matches the naive product for every transpose combination and blocking edge', async (t) => {
  for (const [m, k, n] of [[1, 1, 1], [3, 5, 2], [4, 4, 4], [7, 1, 9], [130, 260, 259], [0, 3, 2], [2, 0, 3]] as const) {
    for (const dtype of ['f64', 'f32'] as const) {
      const a = randn(dtype, m, k, m * 31 + k), b = randn(dtype, k, n, k * 17 + n)
      const ref = mul(a, b)
      const tol = (dtype === 'f64' ? F64_PRODUCT_TOL : F32_PRODUCT_TOL) * Math.sqrt(k + 1)
      const scale = Math.sqrt(k + 1) * 4
      // A·B, (Aᵀ)ᵀ·B, A·(Bᵀ)ᵀ, (Aᵀ)ᵀ·(Bᵀ)ᵀ — transposes of contiguous transposed copies
      const at = toContiguous(transpose(a)), bt = toContiguous(transpose(b))
      for (const [x, y, label] of [[a, b, 'N,N'], [transpose(at), b, 'T,N'], [a, transpose(bt), 'N,T'], [transpose(at), transpose(bt), 'T,T'],
        [asStridedView(a), asStridedView(b), 'strided']] as const) {
        const c = gemm(x, y)
        t.ok(maxRelDiff(c, ref, scale) <= tol, `${dtype} [${m},${k}]·[${k},${n}] ${label}`)
      }
    }
  }
})

t.test('gemm alpha, beta and out (strided out, beta = 0 ignores NaN)', async (t) => {
  const a = randn('f64', 5, 4, 1), b = randn('f64', 4, 6, 2)
  const ab = mul(a, b)
  const out0 = randn('f64', 6, 5, 3)
  const out = transpose(matrix(Float64Array.from(out0.data), 6, 5)) // [5, 6] column-major view
  const prev = dense(out)
  const r = gemm(a, b, { alpha: 2, beta: -0.5, out })
  t.equal(r, out, 'returns out')
  const ref = ab.map((v, i) => 2 * v - 0.5 * prev[i]!)
  t.ok(maxRelDiff(out, ref, 10) <= F64_PRODUCT_TOL * 4)
  const nanOut = matrix(new Float64Array(30).fill(Number.NaN), 5, 6)
  gemm(a, b, { out: nanOut, beta: 0, checkFinite: false })
  t.ok(maxRelDiff(nanOut, ab, 10) <= F64_PRODUCT_TOL * 4, 'beta 0 overwrites NaN')
  t.same(Array.from(gemm(matrix(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3), transpose(matrix(new Float64Array([1, 2, 3, 4, 5, 6]), 2, 3))).data), [14, 32, 32, 77])
})

t.test('gemm on slices and negative strides', async (t) => {
  const a = randn('f64', 8, 8, 5)
  const sub = sliceRows(sliceCols(a, 2, 7), 1, 5) // [4, 5] view with offset
  const flipped: Mat = { data: a.data, shape: [8, 8], stride: [-8, -1], offset: 63 } // rotated 180°
  t.ok(maxRelDiff(gemm(sub, transpose(sub)), mul(sub, transpose(sub)), 10) <= F64_PRODUCT_TOL * 4, 'offset slice')
  t.ok(maxRelDiff(gemm(flipped, a), mul(flipped, a), 10) <= F64_PRODUCT_TOL * 4, 'negative strides')
})

t.test('property: gemm(A, B) = naive for random shapes and layouts', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }),
    fc.boolean(), fc.boolean(), fc.integer({ min: 0, max: 1e6 }), (m, k, n, ta, tb, seed) => {
      const a = randn('f64', m, k, seed), b = randn('f64', k, n, seed + 1)
      const x = ta ? transpose(toContiguous(transpose(a))) : a, y = tb ? asStridedView(b) : b
      return maxRelDiff(gemm(x, y), mul(a, b), 4 * Math.sqrt(k + 1)) <= F64_PRODUCT_TOL * Math.sqrt(k + 1)
    }), { seed: 42, numRuns: 200 }))
})

t.test('gemm errors', async (t) => {
  const a = randn('f64', 2, 3, 1), b = randn('f64', 2, 3, 2)
  t.throws(() => gemm(a, b), { _tag: 'ShapeMismatch' })
  t.throws(() => gemm(a, randn('f32', 3, 2, 1) as unknown as Mat<Float64Array>), { _tag: 'InvalidArgument' })
  t.throws(() => gemm(a, transpose(a), { out: matrix(new Float64Array(6), 2, 3) as unknown as Mat<Float64Array> }), { _tag: 'ShapeMismatch' })
  t.throws(() => gemm(a, transpose(a), { out: { data: a.data as Float64Array, shape: [2, 2], stride: [2, 1], offset: 0 } }), { _tag: 'InvalidArgument', argument: 'out' })
  const bad = matrix(Float64Array.from(a.data), 2, 3); bad.data[4] = Infinity
  t.throws(() => gemm(bad, transpose(a)), { _tag: 'NotFinite', input: 'a', index: [1, 1] })
  t.throws(() => gemm(a, transpose(bad)), { _tag: 'NotFinite', input: 'b', index: [1, 1] })
})

t.test('gemv: y = αAx + βy, transposed A, errors', async (t) => {
  const a = randn('f64', 7, 5, 3), x = Float64Array.from(randn('f64', 5, 1, 4).data)
  const ref = mul(a, matrix(x, 5, 1))
  const y = gemv(a, x)
  t.ok(maxRelDiff(matrix(y, 7, 1), ref, 10) <= F64_PRODUCT_TOL * 4)
  const x7 = Float64Array.from(randn('f64', 7, 1, 5).data)
  const yt = gemv(transpose(a), x7)
  t.ok(maxRelDiff(matrix(yt, 5, 1), mul(transpose(a), matrix(x7, 7, 1)), 10) <= F64_PRODUCT_TOL * 4, 'transposed')
  const out = new Float64Array(7).fill(1)
  gemv(a, x, { alpha: 2, beta: 3, out })
  t.ok(maxRelDiff(matrix(out, 7, 1), ref.map((v) => 2 * v + 3), 10) <= F64_PRODUCT_TOL * 4, 'alpha/beta/out')
  const f = gemv(randn('f32', 3, 2, 1) as Mat<Float32Array>, new Float32Array([1, 2]))
  t.ok(f instanceof Float32Array, 'f32 in, f32 out')
  t.throws(() => gemv(a, new Float64Array(4)), { _tag: 'ShapeMismatch' })
  t.throws(() => gemv(a, new Float64Array([1, 2, 3, 4, Number.NaN])), { _tag: 'NotFinite', input: 'x' })
})
