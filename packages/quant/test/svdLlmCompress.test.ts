import t from 'tap'
import { matrix } from '@lr/svd'
import { calibratedError, rankForRatio, svdCompress, svdLlmCompress } from '../src/index.js'
import { calibCode, calibKey, compressRef, product, randMat, tinyLayer0 } from './helpers.js'

const REF_REL = 0.01 // against the numpy SVD-LLM: same formula, different SVD/Cholesky rounding

t.test('SVD-LLM on tinyllama layer 0 matches numpy and beats plain SVD on the calibrated error', async (t) => {
  for (const [mod, ref] of Object.entries(compressRef)) {
    const w = tinyLayer0().get(`${mod}.weight`)!, c = calibCode().get(calibKey(mod))!
    const r = rankForRatio(w.shape[0], w.shape[1], 0.4)
    const { u, v, jitter } = svdLlmCompress(w, c, { rank: r })
    t.equal(jitter, ref.jitter, `${mod}: ridge`)
    const err = calibratedError(w, product(u, v), c)
    t.ok(Math.abs(err - ref.svdllm_cal) <= REF_REL * ref.svdllm_cal, `${mod}: tr(E C Eᵀ) ${err} vs numpy ${ref.svdllm_cal}`)
    const s = svdCompress(w, { rank: r })
    t.ok(err < calibratedError(w, product(s.u, s.v), c), `${mod}: SVD-LLM < SVD`)
  }
})

t.test('a singular covariance is an error when jitter is off', async (t) => {
  const w = tinyLayer0().get('model.layers.0.self_attn.q_proj.weight')!, c = calibCode().get('model.layers.0.self_attn.q_proj')!
  t.throws(() => svdLlmCompress(w, c, { rank: 8, maxJitterTries: 0 }), { _tag: 'NotPositiveDefinite' })
  t.throws(() => svdLlmCompress(randMat(4, 3, 1), matrix(new Float32Array(4), 2, 2), { rank: 2 }), { _tag: 'InvalidArgument' }, 'covariance shape')
  t.throws(() => svdLlmCompress(randMat(4, 2, 1), matrix(Float32Array.from([1, 2, 0, 1]), 2, 2), { rank: 1 }), { _tag: 'InvalidArgument' }, 'asymmetric covariance')
})
