import t from 'tap'
import { gemmGpu } from '../src/index.js'
import { f32Tol, openContext, randomMat } from './helpers.js'

// The acceptance check on lavapipe: a 4096×4096 GEMM completes and matches the CPU. The f64 reference
// is computed for 8 full rows (those straddling tile edges and both ends): 8·4096² multiply-adds.
t.test('4096×4096 f32 GEMM matches the f64 reference on sampled rows', async (t) => {
  const ctx = await openContext(t)
  const n = 4096
  const a = randomMat(n, n, 11), b = randomMat(n, n, 12)
  const started = performance.now()
  const r = await gemmGpu(ctx, a, b)()
  const ms = performance.now() - started
  if (r._tag === 'Left') return t.fail(r.left.message)
  t.comment(`${ctx.adapterInfo.description}: ${ms.toFixed(0)} ms, ${((2 * n ** 3) / ms / 1e6).toFixed(2)} GFLOP/s (upload + compute + download)`)
  let worst = 0
  for (const i of [0, 1, 127, 128, 129, 2048, 4094, 4095]) {
    const ref = new Float64Array(n), mag = new Float64Array(n)
    for (let p = 0; p < n; p++) {
      const av = a.data[i * n + p]!, base = p * n
      for (let j = 0; j < n; j++) { const x = av * b.data[base + j]!; ref[j]! += x; mag[j]! += Math.abs(x) }
    }
    for (let j = 0; j < n; j++) worst = Math.max(worst, Math.abs(r.right.data[i * n + j]! - ref[j]!) / mag[j]!)
  }
  t.ok(worst <= f32Tol(n), `max elementwise error ${worst.toExponential(2)} <= ${f32Tol(n).toExponential(2)}`)
})
