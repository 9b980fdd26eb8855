import t from 'tap'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { transpose } from '@lr/svd'
import { fairy2iQuantize, fairy2iDequantize, fairy2iApply, fairy2iPrepare, packedRowBytes, type Fairy2iPacked } from '../src/index.js'
import { EPS32, gaussian, rowMajor, matvec64, holds } from './helpers.js'

// The wasm kernel accumulates in f32: a row of one matrix sums K = ⌈m/4⌉ table entries (each a sum of ≤ 4 terms rounded
// once), in 4 interleaved accumulators, so its error is ≤ (K + 4)·ε·Σ|terms| ≤ (K + 4)·ε·‖x‖₁ per sum. With the scales
// (S = Σ_t 2·max scale), D's own f32 rounding ((2T + 2)·ε, as for the TS kernel) and the final rounding:
// |y_j − (D·x)_j| ≤ (K + 2T + 6)·ε·S·‖x‖₁ + ε·|y_j|.
const tolerance = (p: Fairy2iPacked, x: ArrayLike<number>, y: number): number => {
  let s = 0
  for (const st of p.stages) s += 2 * Math.max(st.u.scaleRe, st.u.scaleIm, st.w.scaleRe, st.w.scaleIm)
  let l1 = 0
  for (let k = 0; k < x.length; k++) l1 += Math.abs(x[k]!)
  return (packedRowBytes(p.cols / 2) + 2 * p.stages.length + 6) * EPS32 * s * l1 + EPS32 * Math.abs(y)
}

// Batches of 2+ run 4 vectors per pass (simdApplyBatch), in column blocks of 128: the property covers partial tiles
// (batch 2, 3, 5, …) and more than one column block (m16 up to 20 → in up to 640).
t.test('wasm-simd kernel equals the dense dequantized product up to f32 rounding', async (t) => {
  holds(t, fc.property(
    fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 1e6 }),
    (n, m16, stages, batch, seed) => {
      const m = 16 * m16, cols = 2 * m
      const p = fairy2iQuantize(rowMajor(gaussian(2 * n * cols, seed), 2 * n, cols), { stages })
      const layer = fairy2iPrepare(p, { kernel: 'wasm-simd' })
      const x = rowMajor(gaussian(batch * cols, seed + 3), batch, cols)
      const y = fairy2iApply(layer, x).data
      const d = fairy2iDequantize(p).data
      for (let b = 0; b < batch; b++) {
        const xb = x.data.subarray(b * cols, (b + 1) * cols), want = matvec64(d, 2 * n, cols, xb)
        for (let j = 0; j < 2 * n; j++) if (Math.abs(y[b * 2 * n + j]! - want[j]!) > tolerance(p, xb, want[j]!)) return false
      }
      return layer.kernel === 'wasm-simd'
    }))
})

t.test('batch 1, 2, 5 and 16 at a realistic size, strided x; same as the TS kernel to f32 rounding', async (t) => {
  const [rows, cols] = [512, 1024]
  const p = fairy2iQuantize(rowMajor(gaussian(rows * cols, 11), rows, cols), { stages: 2 })
  const layer = fairy2iPrepare(p)
  t.equal(layer.kernel, 'wasm-simd')
  const d = fairy2iDequantize(p).data
  for (const batch of [1, 2, 5, 16]) {
    const xt = transpose(rowMajor(gaussian(cols * batch, batch), cols, batch)) // [batch, cols] view, column-major
    const y = fairy2iApply(layer, xt).data
    let bad = 0
    for (let b = 0; b < batch; b++) {
      const xb = Float32Array.from({ length: cols }, (_, k) => xt.data[b + k * batch]!)
      const want = matvec64(d, rows, cols, xb)
      for (let j = 0; j < rows; j++) if (Math.abs(y[b * rows + j]! - want[j]!) > tolerance(p, xb, want[j]!)) bad++
    }
    t.equal(bad, 0, `batch ${batch}: entries outside the f32 bound`)
  }
})

t.test('kernel choice: auto falls back to js when in is not a multiple of 32; wasm-simd then refuses', async (t) => {
  const p = fairy2iQuantize(rowMajor(gaussian(8 * 24, 1), 8, 24))
  t.equal(fairy2iPrepare(p).kernel, 'js')
  t.equal(fairy2iPrepare(p, { kernel: 'js' }).kernel, 'js')
  t.throws(() => fairy2iPrepare(p, { kernel: 'wasm-simd', name: 'q_proj' }), { _tag: 'InvalidArgument', argument: 'kernel' })
  const x = gaussian(24, 2)
  t.same(Array.from(fairy2iApply(fairy2iPrepare(p), x).data), Array.from(fairy2iApply(p, x).data))
  // in = 30, 34, 62: rows whose packed bytes are a multiple of 4 but end in padding codes must not take the SIMD path.
  for (const cols of [30, 34, 62]) {
    const q = fairy2iQuantize(rowMajor(gaussian(8 * cols, cols), 8, cols))
    t.equal(fairy2iPrepare(q).kernel, 'js', `in = ${cols} uses the js kernel`)
    const xq = gaussian(cols, cols + 1)
    t.same(Array.from(fairy2iApply(fairy2iPrepare(q), xq).data), Array.from(fairy2iApply(q, xq).data), `in = ${cols}: same product`)
  }
})

t.test('the shipped wasm bytes are what scripts/build-wasm.mjs assembles from the WAT', async (t) => {
  const build = await import(fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url))) as { assemble: () => Promise<Buffer>; render: (b: Buffer) => string }
  const shipped = readFileSync(fileURLToPath(new URL('../src/internal/applySimdWasm.ts', import.meta.url)), 'utf8')
  t.equal(shipped, build.render(await build.assemble()))
})

t.test('batched kernel writes a strided out (column-major [batch, out] view) with the same values as a contiguous out', async (t) => {
  const [rows, cols, batch] = [96, 320, 6]
  const layer = fairy2iPrepare(fairy2iQuantize(rowMajor(gaussian(rows * cols, 5), rows, cols), { stages: 3 }))
  const x = rowMajor(gaussian(batch * cols, 6), batch, cols)
  const dense = fairy2iApply(layer, x).data
  const store = new Float32Array(rows * batch + 3)
  const out = { data: store, shape: [batch, rows] as [number, number], stride: [1, batch] as [number, number], offset: 3 }
  t.equal(fairy2iApply(layer, x, { out }), out, 'returns out')
  let same = 0
  for (let b = 0; b < batch; b++) for (let j = 0; j < rows; j++) if (store[3 + b + j * batch] === dense[b * rows + j]) same++
  t.equal(same, rows * batch, 'bit-identical to the contiguous result')
})
