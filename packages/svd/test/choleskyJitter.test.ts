import t from 'tap'
import { choleskyJitter, cholesky, matrix, gemm, transpose } from '../src/index.js'
import { fixturesDir, froMat, get, mul, randn, readMatrix } from './helpers.js'

t.test('no jitter for a positive definite matrix; the smallest ladder jitter for a singular one', async (t) => {
  const g = randn('f64', 10, 6, 1)
  const spd = gemm(transpose(g), g)
  const r0 = choleskyJitter(spd)
  t.equal(r0.jitter, 0)
  t.same(r0.l.data, cholesky(spd).data)
  const singular = gemm(g, transpose(g)) // 10×10 rank 6
  const { l, jitter, tries } = choleskyJitter(singular)
  t.ok(jitter > 0 && tries >= 1, `jitter ${jitter} after ${tries} tries`)
  // the previous rung of the ladder fails, this one succeeds: it is the smallest on the ladder
  if (tries > 1) t.throws(() => cholesky(matrix(singular.data.map((v, i) => (i % 11 === 0 ? v + jitter / 10 : v)), 10, 10)), { _tag: 'NotPositiveDefinite' })
  const llt = mul(l, transpose(l))
  let e = 0
  for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) e = Math.max(e, Math.abs(llt[i * 10 + j]! - get(singular, i, j) - (i === j ? jitter : 0)))
  t.ok(e <= 1e-12 * froMat(singular), 'L·Lᵀ = A + jitter·I')
  t.throws(() => choleskyJitter(matrix(new Float64Array([-1, 0, 0, -1]), 2, 2), { maxTries: 5 }), { _tag: 'NotPositiveDefinite' })
  t.throws(() => choleskyJitter(spd, { factor: 1 }), { _tag: 'InvalidArgument' })
})

t.test('real calibration covariances of the tinyllama (sum x·xᵀ, f32)', async (t) => {
  const name = 'model.layers.0.self_attn.q_proj'
  const c = await readMatrix(`${fixturesDir}/tinyllama-bytes/calib_code.safetensors`, 'layers.0.self_attn.q_proj')
  const { l, jitter } = choleskyJitter(c)
  t.ok(l.data instanceof Float32Array && jitter >= 0, `${name}: jitter ${jitter}`)
  let diagOk = true
  for (let i = 0; i < c.shape[0]; i++) if (!(get(l, i, i) > 0)) diagOk = false
  t.ok(diagOk, 'positive diagonal')
})
