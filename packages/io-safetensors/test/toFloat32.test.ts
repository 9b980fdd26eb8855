import t from 'tap'
import fc from 'fast-check'
import { fromFloat32, toFloat32, type NamedTensor } from '../src/index.js'

t.test('toFloat32 decodes every dtype; integers exactly within 2^24', async (t) => {
  const cases: [NamedTensor, number[]][] = [
    [{ name: 'a', dtype: 'I64', shape: [3], data: new BigInt64Array([-3n, 0n, 16777216n]) }, [-3, 0, 16777216]],
    [{ name: 'b', dtype: 'U64', shape: [2], data: new BigUint64Array([7n, 2n ** 40n]) }, [7, 2 ** 40]],
    [{ name: 'c', dtype: 'I8', shape: [2], data: new Int8Array([-128, 127]) }, [-128, 127]],
    [{ name: 'd', dtype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) }, [1, 0]],
    [{ name: 'e', dtype: 'F64', shape: [1], data: new Float64Array([0.1]) }, [Math.fround(0.1)]],
    [{ name: 'f', dtype: 'U32', shape: [1], data: new Uint32Array([4294967295]) }, [4294967296]],
  ]
  for (const [x, want] of cases) t.same(Array.from(toFloat32(x)), want, x.dtype)
  const src = new Float32Array([1, 2])
  const out = toFloat32({ name: 'g', dtype: 'F32', shape: [2], data: src })
  t.not(out, src, 'a fresh array, never the input')
})

t.test('fromFloat32 → toFloat32 is the identity for F32 and a projection for F16/BF16 (property)', async (t) => {
  fc.assert(fc.property(fc.float32Array({ maxLength: 64 }), (x) => {
    const f32 = toFloat32(fromFloat32('x', [x.length], x, 'F32'))
    const ok32 = f32.every((v, i) => Object.is(v, x[i]))
    const rt = (d: 'F16' | 'BF16') => {
      const once = toFloat32(fromFloat32('x', [x.length], x, d))
      const twice = toFloat32(fromFloat32('x', [x.length], once, d))
      return twice.every((v, i) => Object.is(v, once[i]) || (Number.isNaN(v) && Number.isNaN(once[i])))
    }
    return ok32 && rt('F16') && rt('BF16')
  }), { seed: 42 })
  t.throws(() => fromFloat32('x', [3], new Float32Array(2), 'BF16'), RangeError)
  t.same(Array.from(fromFloat32('w', [2], new Float32Array([1, 3.14159]), 'BF16').data), [0x3f80, 0x4049])
})
