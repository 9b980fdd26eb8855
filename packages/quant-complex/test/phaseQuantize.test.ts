import t from 'tap'
import fc from 'fast-check'
import { phaseQuantize, phaseCode, MIN_SCALE } from '../src/index.js'
import { holds } from './helpers.js'

t.test('angle bins, boundaries included as in the official code', async (t) => {
  const deg = (d: number): number => phaseCode(Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180))
  t.equal(deg(0), 0); t.equal(deg(44), 0); t.equal(deg(-44), 0)
  t.equal(deg(46), 1); t.equal(deg(90), 1); t.equal(deg(134), 1)
  t.equal(deg(136), 2); t.equal(deg(180), 2); t.equal(deg(-136), 2)
  t.equal(deg(-134), 3); t.equal(deg(-90), 3); t.equal(deg(-46), 3)
  // exact boundaries: θ = −π/4 → +1, π/4 → +i, 3π/4 → −1, −3π/4 → −i; the origin → +1
  t.same([phaseCode(1, -1), phaseCode(1, 1), phaseCode(-1, 1), phaseCode(-1, -1), phaseCode(0, 0), phaseCode(-0, 0)], [0, 1, 2, 3, 0, 0])
  // agrees with atan2 away from the diagonals
  holds(t, fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }), fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e3, max: 1e3 }), (re, im) => {
    if (Math.abs(Math.abs(re) - Math.abs(im)) < 1e-6 * (Math.abs(re) + Math.abs(im)) || (re === 0 && im === 0)) return true
    const th = Math.atan2(im, re), q = Math.PI / 4
    const want = th >= -q && th < q ? 0 : th >= q && th < 3 * q ? 1 : th >= -3 * q && th < -q ? 3 : 2
    return phaseCode(re, im) === want
  }))
})

t.test('scales are mean |re| over ±1 and mean |im| over ±i, clamped at 1e-6', async (t) => {
  const q = phaseQuantize(new Float32Array([2, -4, 0.5, 0.1]), new Float32Array([0.5, 1, 3, -1]))
  t.same(Array.from(q.codes), [0, 2, 1, 3])
  t.equal(q.scaleRe, 3)      // (|2| + |−4|) / 2
  t.equal(q.scaleIm, 2)      // (|3| + |−1|) / 2
  const onlyReal = phaseQuantize(new Float32Array([1, -1]), new Float32Array([0, 0]))
  t.equal(onlyReal.scaleIm, MIN_SCALE)
  t.equal(phaseQuantize(new Float32Array(3), new Float32Array(3)).scaleRe, MIN_SCALE)
})

t.test('errors name the tensor', async (t) => {
  t.throws(() => phaseQuantize(new Float32Array([1, Infinity]), new Float32Array(2), { name: 'u' }), { _tag: 'NotFinite', input: 'u (real part)', index: [1, 0] })
  t.throws(() => phaseQuantize(new Float32Array(2), new Float32Array([NaN, 0]), { name: 'u' }), { _tag: 'NotFinite', input: 'u (imaginary part)' })
  t.throws(() => phaseQuantize(new Float32Array(2), new Float32Array(3)), { _tag: 'ShapeMismatch' })
})
