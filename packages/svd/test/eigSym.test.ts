import t from 'tap'
import fc from 'fast-check'
import { eigSym, matrix, transpose, type Mat } from '../src/index.js'
import { asStridedView, F64_TOL, froMat, get, loadRef, mul, orthErrCols, randn } from './helpers.js'

interface Case { name: string; shape: [number, number]; data: number[]; values: number[] }

const residual = (a: Mat, values: ArrayLike<number>, v: Mat): number => {
  const av = mul(a, v), n = a.shape[0]
  let e = 0
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) { const d = av[i * n + j]! - get(v, i, j) * values[j]!; e += d * d }
  return Math.sqrt(e)
}

t.test('eigSym matches numpy eigvalsh; A·V = V·Λ; V orthogonal', async (t) => {
  for (const c of loadRef<Case[]>('eigh_cases.json')) {
    for (const dtype of ['f64', 'f32'] as const) {
      const data = dtype === 'f64' ? Float64Array.from(c.data) : Float32Array.from(c.data)
      const a = matrix(data, c.shape[0], c.shape[1])
      const tol = dtype === 'f64' ? F64_TOL : 1e-5
      const { values, vectors } = eigSym(a)
      const scale = Math.max(...c.values.map(Math.abs))
      const err = Math.max(...c.values.map((v, i) => Math.abs(v - values[i]!)))
      // f32: the reference is for the f64 matrix; rounding the input to f32 moves λ by ≤ ε₃₂·‖A‖
      t.ok(err / scale <= tol, `${c.name} ${dtype}: max|λ−λ_ref|/|λ|max = ${(err / scale).toExponential(2)}`)
      t.ok(orthErrCols(vectors) <= tol, `${c.name} ${dtype}: VᵀV = I`)
      t.ok(residual(a, values, vectors) / froMat(a) <= tol, `${c.name} ${dtype}: ‖AV − VΛ‖/‖A‖`)
      t.same(Array.from(eigSym(a, { mode: 'values' }).values), Array.from(values), `${c.name} ${dtype}: values mode = vectors mode`)
    }
  }
})

t.test('property: ascending, views identical, lower triangle only', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 1e6 }), (n, seed) => {
    const g = randn('f64', n, n, seed)
    const a = matrix(new Float64Array(n * n), n, n)
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a.data[i * n + j] = get(g, i, j) + get(g, j, i)
    const { values, vectors } = eigSym(a)
    for (let i = 1; i < n; i++) if (values[i]! < values[i - 1]!) return false
    const y = eigSym(asStridedView(a))
    const upperGarbage = matrix(Float64Array.from(a.data), n, n)
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) upperGarbage.data[i * n + j] = 1e6
    const z = eigSym(upperGarbage)
    return n === 0 || (residual(a, values, vectors) <= F64_TOL * froMat(a) && orthErrCols(vectors) <= F64_TOL &&
      y.values.every((v, i) => v === values[i]) && z.values.every((v, i) => v === values[i]))
  }), { seed: 42, numRuns: 150 }))
  t.same(Array.from(eigSym(transpose(matrix(new Float64Array([2, 1, 1, 2]), 2, 2)), { mode: 'values' }).values).map((x) => +x.toFixed(12)), [1, 3])
})

t.test('eigSym errors', async (t) => {
  t.throws(() => eigSym(matrix(new Float64Array(6), 2, 3)), { _tag: 'ShapeMismatch' })
  t.throws(() => eigSym(matrix(new Float64Array([1, 0, Number.NaN, 1]), 2, 2)), { _tag: 'NotFinite', index: [1, 0] })
  // skipping the scan never yields a silent NaN answer
  t.throws(() => eigSym(matrix(new Float64Array([1, 0, 0, 2, 0, 0, Number.NaN, 0, 3]), 3, 3), { checkFinite: false }), { _tag: 'NoConvergence' })
})
