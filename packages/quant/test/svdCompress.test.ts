import t from 'tap'
import { matrix, transpose } from '@lr/svd'
import { rankForRatio, svdCompress } from '../src/index.js'
import { colMajorWithOffset, compressRefAll as compressRef, frob2Diff, product, randMat, tinyLayer0 } from './helpers.js'

const ECKART_YOUNG_REL = 0.01 // the "equals the optimal truncation to 1%"

t.test('ratio 0.4 on each tinyllama layer-0 weight equals the numpy optimal rank-r truncation (Eckart–Young)', async (t) => {
  for (const [mod, ref] of Object.entries(compressRef)) {
    const w = tinyLayer0().get(`${mod}.weight`)!
    const r = rankForRatio(w.shape[0], w.shape[1], 0.4)
    t.equal(r, ref.rank, `${mod}: rank`)
    const { u, v } = svdCompress(w, { rank: r })
    t.same([u.shape, v.shape], [[w.shape[0], r], [r, w.shape[1]]])
    const err = frob2Diff(w, product(u, v))
    t.ok(Math.abs(err - ref.svd_tail_fro2) <= ECKART_YOUNG_REL * ref.svd_tail_fro2, `${mod}: ‖W − UV‖² ${err} vs Σσ² tail ${ref.svd_tail_fro2}`)
  }
})

t.test('the randomized solver is within 2% of the optimal truncation', async (t) => {
  const RANDOMIZED_REL = 0.02 // 4 power iterations, oversampling 10
  for (const mod of ['model.layers.0.mlp.down_proj', 'model.layers.0.self_attn.o_proj']) {
    const w = tinyLayer0().get(`${mod}.weight`)!, ref = compressRef[mod]!
    const { u, v } = svdCompress(w, { rank: ref.rank, solver: 'randomized' })
    const err = frob2Diff(w, product(u, v))
    t.ok(err >= ref.svd_tail_fro2 * (1 - 1e-9) && err <= (1 + RANDOMIZED_REL) * ref.svd_tail_fro2, `${mod}: ${err} vs optimum ${ref.svd_tail_fro2}`)
  }
})

t.test('exact for a matrix of rank r; strided input; dtype follows input', async (t) => {
  const a = randMat(20, 4, 1), b = randMat(4, 15, 2)
  const w = matrix(Float64Array.from(product(a, b).data), 20, 15)
  const { u, v } = svdCompress(w, { rank: 4 })
  t.ok(frob2Diff(w, product(u, v)) <= 1e-20 * frob2Diff(w, matrix(new Float64Array(300), 20, 15)), 'rank-4 matrix reproduced')
  t.ok(u.data instanceof Float64Array)
  const w32 = randMat(9, 7, 3)
  const c = svdCompress(colMajorWithOffset(w32), { rank: 3 }), d = svdCompress(w32, { rank: 3 })
  t.ok(Math.abs(frob2Diff(w32, product(c.u, c.v)) - frob2Diff(w32, product(d.u, d.v))) < 1e-9)
  t.ok(c.u.data instanceof Float32Array)
  const tt = svdCompress(transpose(w32), { rank: 3 })
  t.same(tt.u.shape, [7, 3])
})

t.test('rank outside [1, min(m, n)] is an error', async (t) => {
  t.throws(() => svdCompress(randMat(5, 3, 1), { rank: 4 }), { _tag: 'InvalidArgument' })
  t.throws(() => svdCompress(randMat(5, 3, 1), { rank: 0 }), { _tag: 'InvalidArgument' })
  t.throws(() => svdCompress(matrix(Float32Array.from([NaN, 1]), 1, 2), { rank: 1 }), { _tag: 'NotFinite' })
})
