// docs/compression.md's orderings on tinyllama-bytes/base with calib_code, every linear layer (28) replaced, code loss
// per eval row: at ratio 0.4, svd-llm < svd, and an EoRA r = 16 branch lowers the loss of the svd-llm model.
// Fast by construction: one factorisation per layer and method, one eigendecomposition per distinct input, the
// pipeline's evaluator in-process on the first ROWS rows. The claim is asserted on the paired per-row differences:
// the mean difference must exceed MARGIN_SE standard errors, so ROWS rows suffice only because the effects are large
// against the row-to-row noise (numbers over all 64 rows: docs/compression.md).
import t from 'tap'
import { compressLinear, eoraCompensate, rankForRatio } from '@lr/quant'
import { loadTinyllama, paired, plusProduct } from './lossOrderingModel.js'

const ROWS = 8
/** one-sided z for a ≈ 2.3 % chance that the ordering over these rows is the reverse of the ordering of the population */
const MARGIN_SE = 2

t.test('ratio 0.4: svd-llm beats svd on code loss; EoRA r = 16 lowers the svd-llm loss', async (t) => {
  const { linears, cov, eig, rowLosses } = await loadTinyllama()
  const svd = new Map<string, Float32Array>(), llm = new Map<string, Float32Array>(), llmEora = new Map<string, Float32Array>()
  for (const l of linears) {
    const rank = rankForRatio(l.m, l.n, 0.4)
    const a = compressLinear(l.w, { method: 'svd', rank }), b = compressLinear(l.w, { method: 'svd-llm', rank, covariance: cov(l) })
    const zero = new Float32Array(l.m * l.n)
    svd.set(l.name, plusProduct(zero, a.u, a.v))
    const approx = plusProduct(zero, b.u, b.v)
    llm.set(l.name, approx)
    const e = eoraCompensate(l.w, { data: approx, shape: [l.m, l.n], stride: [l.n, 1], offset: 0 }, eig(l), { rank: 16 })
    llmEora.set(l.name, plusProduct(approx, e.b, e.a))
  }
  const [lSvd, lLlm, lLlmEora] = [await rowLosses(svd, ROWS), await rowLosses(llm, ROWS), await rowLosses(llmEora, ROWS)]
  const a = paired(lLlm, lSvd)
  t.ok(a.diff < -MARGIN_SE * a.stdErr, `svd-llm ${a.meanA.toFixed(4)} < svd ${a.meanB.toFixed(4)}: difference ${a.diff.toFixed(4)} ± ${a.stdErr.toFixed(4)} (${ROWS} rows)`)
  const b = paired(lLlmEora, lLlm)
  t.ok(b.diff < -MARGIN_SE * b.stdErr, `svd-llm + EoRA ${b.meanA.toFixed(4)} < svd-llm ${b.meanB.toFixed(4)}: difference ${b.diff.toFixed(4)} ± ${b.stdErr.toFixed(4)}`)
})
