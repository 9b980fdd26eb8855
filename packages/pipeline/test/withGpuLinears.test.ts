import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { create } from 'webgpu'
import { createGpuContext } from '@lr/kernels-gpu'
import { quantizeIntK, quantizeNf4 } from '@lr/quant'
import { matrix } from '@lr/svd'
import { evaluateLoss } from '../src/eval/evaluateLoss.js'
import { mapLinears } from '../src/eval/llama.js'
import { quantizedLinear } from '../src/eval/quantizedLinear.js'
import { withGpuLinears } from '../src/eval/withGpuLinears.js'
import { loadLlama } from '../src/node/loadLlama.js'
import { TB, evalBytes } from './fixtures.js'

// Each GPU linear differs from the CPU one by f32 rounding only (≤ (in + 1)·2⁻²⁴ relative to |x|·|Ŵ|); through
// 4 layers and the softmax that moves the mean loss by far less than the fixtures' f32-forward bound.
const LOSS_TOL = 1e-4

t.test('under the GPU, packed int-k and NF4 linears run on the GPU kernel and the loss equals the CPU one', async (t) => {
  const m = await loadLlama(`${TB}/base`)()
  if (E.isLeft(m)) return t.fail(m.left.message)
  let i = 0
  // every projection and lm_head quantized, cycling through int4 g64 symmetric, int3 g32 asymmetric, NF4, int8 g128
  const model = mapLinears(m.right, (_name, lin) => {
    const w = matrix(lin.weight!, lin.outFeatures, lin.inFeatures)
    const k = i++ % 4
    return quantizedLinear(k === 0 ? quantizeIntK(w, { bits: 4, groupSize: 64 }) : k === 1 ? quantizeIntK(w, { bits: 3, groupSize: 32, isSymmetric: false }) : k === 2 ? quantizeNf4(w) : quantizeIntK(w, { bits: 8, groupSize: 128 }))
  })
  const bytes = evalBytes('code', 2)
  const cpu = await evaluateLoss(model, bytes)()
  if (E.isLeft(cpu)) return t.fail(cpu.left.message)
  const ctx = await createGpuContext(create([]))()
  if (E.isLeft(ctx)) return t.fail(`no GPU context: ${ctx.left.message}`)
  t.teardown(() => ctx.right.destroy())
  const g = await withGpuLinears(ctx.right, model)()
  if (E.isLeft(g)) return t.fail(g.left.message)
  t.equal(g.right.onGpu, 4 * 7 + 1, 'every packed linear runs on the GPU')
  t.equal(g.right.onCpu.size, 0)
  let calls = 0
  const counted = mapLinears(g.right.model, (_n, lin) => ({ ...lin, applyAsync: async (x: Float32Array, tok: number) => { calls++; return lin.applyAsync!(x, tok) } }))
  const gpu = await evaluateLoss(counted, bytes)()
  if (E.isLeft(gpu)) return t.fail(gpu.left.message)
  t.ok(calls >= 29, `${calls} GPU linear calls`)
  t.ok(Math.abs(gpu.right.loss - cpu.right.loss) <= LOSS_TOL, `loss GPU ${gpu.right.loss} vs CPU ${cpu.right.loss}`)
  t.ok(cpu.right.loss > 0.5 && cpu.right.loss < 6, 'a real loss')
  g.right.release()
  t.equal(ctx.right.stats().liveBuffers, ctx.right.stats().pooledBuffers, 'release frees the packed weights')
})
