import t from 'tap'
import { matrix } from '@lr/svd'
import { asvdCompress, calibratedError, rankForRatio, svdCompress } from '../src/index.js'
import { calibCode, calibKey, compressRef, frob2Diff, product, randMat, tinyLayer0 } from './helpers.js'

const REF_REL = 0.01

t.test('ASVD (α = 0.5) on tinyllama layer 0 matches numpy', async (t) => {
  let ours = 0, plain = 0
  for (const [mod, ref] of Object.entries(compressRef)) {
    const w = tinyLayer0().get(`${mod}.weight`)!, c = calibCode().get(calibKey(mod))!
    const r = rankForRatio(w.shape[0], w.shape[1], 0.4)
    const { u, v } = asvdCompress(w, c, { rank: r })
    const err = calibratedError(w, product(u, v), c)
    t.ok(Math.abs(err - ref.asvd_cal) <= REF_REL * ref.asvd_cal, `${mod}: ${err} vs numpy ${ref.asvd_cal}`)
    ours += err; plain += ref.svd_cal
  }
  t.ok(ours < plain, `summed calibrated error ASVD ${ours} < SVD ${plain}`)
})

t.test('α = 0 is plain SVD', async (t) => {
  const w = randMat(12, 10, 4), c = matrix(Float32Array.from({ length: 100 }, (_, i) => (i % 11 === 0 ? 1 + (i % 7) : 0)), 10, 10)
  const a = asvdCompress(w, c, { rank: 3, alpha: 0 }), s = svdCompress(w, { rank: 3 })
  t.ok(Math.abs(frob2Diff(w, product(a.u, a.v)) - frob2Diff(w, product(s.u, s.v))) < 1e-9)
  t.ok(calibratedError(w, product(a.u, a.v)) >= 0)
  t.throws(() => asvdCompress(w, c, { rank: 3, alpha: -1 }), { _tag: 'InvalidArgument' })
})
