import t from 'tap'
import { create } from 'webgpu'
import * as E from 'fp-ts/lib/Either.js'
import { createGpuContext, type GpuContext } from '@lr/kernels-gpu'
import { fairy2iQuantize, fairy2iApply, fairy2iUploadGpu, fairy2iApplyGpu, packedRowBytes, type Fairy2iPacked } from '../src/index.js'
import { EPS32, gaussian, rowMajor } from './helpers.js'

// GPU tests fail, never skip, without an adapter (CI: lavapipe). The GPU accumulates the four sums in f32 over m terms
// (sequentially: ≤ m·ε·Σ|terms|); the CPU TS kernel's error is ≤ (2T + 2)·ε·S·‖x‖₁. So
// |y_gpu − y_cpu| ≤ (m + 2T + 4)·ε·S·‖x‖₁ with S = Σ_t 2·max scale.
const tolerance = (p: Fairy2iPacked, x: ArrayLike<number>): number => {
  let s = 0
  for (const st of p.stages) s += 2 * Math.max(st.u.scaleRe, st.u.scaleIm, st.w.scaleRe, st.w.scaleIm)
  let l1 = 0
  for (let k = 0; k < x.length; k++) l1 += Math.abs(x[k]!)
  return (p.cols / 2 + 2 * p.stages.length + 4) * EPS32 * s * l1
}

const openContext = async (): Promise<GpuContext> => {
  const r = await createGpuContext(create([]))()
  if (E.isLeft(r)) throw r.left
  return r.right
}

t.test('fairy2iApplyGpu equals fairy2iApply (CPU) up to f32 rounding; sizes straddle the workgroup and word edges', async (t) => {
  const ctx = await openContext()
  t.teardown(() => ctx.destroy())
  for (const [rows, cols, stages, batch] of [[2, 2, 1, 1], [126, 34, 2, 3], [128, 64, 2, 16], [130, 96, 3, 1], [256, 512, 2, 16], [300, 70, 4, 2]] as const) {
    const p = fairy2iQuantize(rowMajor(gaussian(rows * cols, rows + cols), rows, cols), { stages })
    const x = rowMajor(gaussian(batch * cols, batch + 1), batch, cols)
    const layer = await fairy2iUploadGpu(ctx, p)()
    if (E.isLeft(layer)) throw layer.left
    const y = await fairy2iApplyGpu(ctx, layer.right, x)()
    if (E.isLeft(y)) throw y.left
    const want = fairy2iApply(p, x).data
    let bad = 0
    for (let b = 0; b < batch; b++) {
      const tol = tolerance(p, x.data.subarray(b * cols, (b + 1) * cols))
      for (let j = 0; j < rows; j++) if (!(Math.abs(y.right.data[b * rows + j]! - want[b * rows + j]!) <= tol)) bad++
    }
    t.equal(bad, 0, `[${rows}, ${cols}] T=${stages} batch ${batch} (rowBytes ${packedRowBytes(cols / 2)})`)
    t.equal(layer.right.bytes, 2 * stages * (rows / 2) * Math.ceil(cols / 32) * 4 + 16 * stages)
    layer.right.destroy()
  }
})

t.test('errors: shape mismatch, destroyed layer', async (t) => {
  const ctx = await openContext()
  t.teardown(() => ctx.destroy())
  const p = fairy2iQuantize(rowMajor(gaussian(64, 1), 8, 8))
  const layer = await fairy2iUploadGpu(ctx, p)()
  if (E.isLeft(layer)) throw layer.left
  const bad = await fairy2iApplyGpu(ctx, layer.right, new Float32Array(6))()
  t.ok(E.isLeft(bad) && bad.left._tag === 'ShapeMismatch')
  layer.right.destroy()
  const gone = await fairy2iApplyGpu(ctx, layer.right, new Float32Array(8))()
  t.ok(E.isLeft(gone) && gone.left._tag === 'InvalidArgument')
})
