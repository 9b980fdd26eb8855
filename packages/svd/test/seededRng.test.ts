import t from 'tap'
import { seededRng } from '../src/index.js'

/** Monte-Carlo tolerance: 6 standard errors of the mean/variance estimate over N draws. */
const N = 200_000
const SE6 = 6 / Math.sqrt(N)

t.test('same seed → same sequence; different seeds differ', async (t) => {
  const a = seededRng(42), b = seededRng(42), c = seededRng(43)
  const xa = Array.from({ length: 100 }, () => a.normal()), xb = Array.from({ length: 100 }, () => b.normal())
  t.same(xa, xb)
  t.not(c.normal(), xa[0])
  t.throws(() => seededRng(1.5), { _tag: 'InvalidArgument' })
})

t.test('uniform in [0,1) with mean ½, variance 1/12; normal with mean 0, variance 1', async (t) => {
  const r = seededRng(7)
  let su = 0, su2 = 0, sn = 0, sn2 = 0, lo = 1, hi = 0
  for (let i = 0; i < N; i++) {
    const u = r.uniform(); su += u; su2 += u * u; lo = Math.min(lo, u); hi = Math.max(hi, u)
    const z = r.normal(); sn += z; sn2 += z * z
  }
  t.ok(lo >= 0 && hi < 1, 'range')
  t.ok(Math.abs(su / N - 0.5) <= SE6 * Math.sqrt(1 / 12), `uniform mean ${su / N}`)
  t.ok(Math.abs(su2 / N - (su / N) ** 2 - 1 / 12) <= SE6 * 0.1, 'uniform variance')
  t.ok(Math.abs(sn / N) <= SE6, `normal mean ${sn / N}`)
  t.ok(Math.abs(sn2 / N - 1) <= SE6 * Math.SQRT2, `normal variance ${sn2 / N}`)
})
