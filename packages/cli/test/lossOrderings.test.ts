// The orderings docs/compression.md and docs/quantization.md report, checked on tinyllama-bytes (the full table is
// measured by tools/bench/compression/compressionTable.ts, on every layer). To stay fast: the 14 projections of
// layers 0 and 1 are replaced, code loss on the first 16 eval rows (4096 targets), EoRA on the 256-wide inputs.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { buildLlama, evaluateLoss, parseLlamaConfig, type F32Tensor } from '@lr/pipeline'
import { readAllFloat32 } from '@lr/pipeline/node'
import { compressLinear, covarianceEigen, covarianceKeyFor, dequantize, eoraCompensate, isLinearWeight, quantizeIntK, rankForRatio, svdQuant, svdQuantDense, type CovarianceEigen } from '@lr/quant'
import { matrix, type Mat } from '@lr/svd'

const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const T = join(FIXTURES, 'tinyllama-bytes')
const ROWS = 16
const code = new Uint8Array(readFileSync(join(T, 'eval_code.u8'))).subarray(0, ROWS * 257)
const config = parseLlamaConfig(JSON.parse(readFileSync(join(T, 'base/config.json'), 'utf8')), 'config.json')
const ready = Promise.all([readAllFloat32(join(T, 'base')), readAllFloat32(join(T, 'calib_code.safetensors'))])

const lossWith = async (base: Map<string, F32Tensor>, over: ReadonlyMap<string, Float32Array>): Promise<number> => {
  const model = buildLlama(config, (n) => { const t = base.get(n), o = over.get(n); return t && o ? { shape: t.shape, data: o } : t }, 'base')
  const r = await evaluateLoss(model, code)()
  if (r._tag === 'Left') throw r.left
  return r.right.loss
}
const dense = (u: Mat, v: Mat): Float32Array => {
  const [m, r] = u.shape, n = v.shape[1], out = new Float32Array(m * n)
  for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) { const a = u.data[i * r + k]!; for (let j = 0; j < n; j++) out[i * n + j] += a * v.data[k * n + j]! }
  return out
}

t.test('svd-llm < svd at ratio 0.4; EoRA lowers the loss after svd-llm and after int4; SVDQuant < int4 (group 128)', async (t) => {
  const [base, calib] = await ready
  const keys = new Set(calib.keys()), eig = new Map<string, CovarianceEigen>()
  const linears = [...base.entries()].filter(([n, x]) => isLinearWeight(n, x.shape) && /^model\.layers\.[01]\./.test(n))
  const covOf = (name: string, n: number): Mat<Float32Array> => matrix(calib.get(covarianceKeyFor(name.slice(0, -7), keys)!)!.data, n, n)
  const eigOf = (name: string, n: number): CovarianceEigen => {
    const k = covarianceKeyFor(name.slice(0, -7), keys)!
    if (!eig.has(k)) eig.set(k, covarianceEigen(covOf(name, n)))
    return eig.get(k)!
  }
  const withEora = (over: Map<string, Float32Array>): Map<string, Float32Array> => {
    const out = new Map(over)
    for (const [name, x] of linears) {
      const [m, n] = x.shape as [number, number]
      if (n !== 256) continue
      const approx = over.get(name)!, { b, a } = eoraCompensate(matrix(x.data, m, n), matrix(approx, m, n), eigOf(name, n), { rank: 16 })
      const ba = dense(b, a)
      out.set(name, Float32Array.from(approx, (v, i) => v + ba[i]!))
    }
    return out
  }
  const svd = new Map<string, Float32Array>(), llm = new Map<string, Float32Array>(), int4 = new Map<string, Float32Array>(), sq = new Map<string, Float32Array>()
  for (const [name, x] of linears) {
    const [m, n] = x.shape as [number, number]
    const w = matrix(x.data, m, n), cov = covOf(name, n), rank = rankForRatio(m, n, 0.4)
    const a = compressLinear(w, { method: 'svd', rank }), b = compressLinear(w, { method: 'svd-llm', rank, covariance: cov })
    svd.set(name, dense(a.u, a.v)); llm.set(name, dense(b.u, b.v))
    int4.set(name, dequantize(quantizeIntK(w, { bits: 4, groupSize: 128 })).data)
    sq.set(name, svdQuantDense(svdQuant(w, cov, { rank: 32, bits: 4, groupSize: 128 })).data)
  }
  const L = {
    svd: await lossWith(base, svd), svdLlm: await lossWith(base, llm), svdLlmEora: await lossWith(base, withEora(llm)),
    int4: await lossWith(base, int4), int4Eora: await lossWith(base, withEora(int4)), svdquant: await lossWith(base, sq),
  }
  t.comment(JSON.stringify(L))
  t.ok(L.svdLlm < L.svd, `svd-llm ${L.svdLlm} < svd ${L.svd}`)
  t.ok(L.svdLlmEora < L.svdLlm, `svd-llm + EoRA ${L.svdLlmEora} < svd-llm ${L.svdLlm}`)
  t.ok(L.int4Eora < L.int4, `int4 + EoRA ${L.int4Eora} < int4 ${L.int4}`)
  t.ok(L.svdquant < L.int4, `SVDQuant ${L.svdquant} < int4 ${L.int4}`)
})
