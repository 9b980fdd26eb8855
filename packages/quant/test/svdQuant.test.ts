import t from 'tap'
import { calibratedError, dequantize, quantizeIntK, svdQuant, svdQuantDense } from '../src/index.js'
import { calibCode, calibKey, compressRef, tinyLayer0 } from './helpers.js'

t.test('SVDQuant 4-bit (rank 32) has a lower calibrated error than plain int4 at the same group size', async (t) => {
  let sq = 0, plain = 0
  for (const mod of Object.keys(compressRef)) {
    const w = tinyLayer0().get(`${mod}.weight`)!, c = calibCode().get(calibKey(mod))!
    const q = svdQuant(w, c, { rank: 32, bits: 4, groupSize: 64 })
    t.same(q.lowRankUp.shape, [w.shape[0], 32])
    const a = calibratedError(w, svdQuantDense(q), c), b = calibratedError(w, dequantize(quantizeIntK(w, { bits: 4, groupSize: 64 })), c)
    t.ok(a < b, `${mod}: SVDQuant ${a} < int4 ${b}`)
    sq += a; plain += b
  }
  t.ok(sq < plain)
})
