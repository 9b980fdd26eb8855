import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { readSafetensors, toFloat32, type NamedTensor } from '../src/index.js'
import { FIXTURES, unwrap } from './helpers.js'

const zooBytes = new Uint8Array(readFileSync(join(FIXTURES, 'safetensors/dtype_zoo.safetensors')))
const zoo = JSON.parse(readFileSync(join(FIXTURES, 'safetensors/dtype_zoo.json'), 'utf8')) as {
  values_as_float_or_int: Record<string, unknown>; dtypes: Record<string, string>; shapes: Record<string, number[]>
}
const TORCH_TO_DTYPE: Record<string, string> = {
  'torch.float64': 'F64', 'torch.float32': 'F32', 'torch.float16': 'F16', 'torch.bfloat16': 'BF16', 'torch.int64': 'I64',
  'torch.int32': 'I32', 'torch.int16': 'I16', 'torch.int8': 'I8', 'torch.uint8': 'U8', 'torch.bool': 'BOOL',
  'torch.float8_e4m3fn': 'F8_E4M3', 'torch.float8_e5m2': 'F8_E5M2', 'torch.uint16': 'U16', 'torch.uint32': 'U32', 'torch.uint64': 'U64',
}
const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v])

t.test('dtype_zoo: every tensor decodes to the torch values exactly', async (t) => {
  const { tensors, metadata } = unwrap(readSafetensors(zooBytes, { file: 'dtype_zoo.safetensors' }))
  t.same(metadata, { made_by: 'safetensors reference library', format: 'pt' })
  const byName = new Map<string, NamedTensor>(tensors.map((x) => [x.name, x]))
  t.equal(byName.size, Object.keys(zoo.dtypes).length)
  for (const [name, torchDtype] of Object.entries(zoo.dtypes)) {
    const x = byName.get(name)!
    t.ok(x, name)
    t.equal(x.dtype, TORCH_TO_DTYPE[torchDtype], `${name} dtype`)
    t.same(x.shape, zoo.shapes[name], `${name} shape`)
    const want = flat(zoo.values_as_float_or_int[name])
    t.equal(x.data.length, want.length, `${name} length`)
    const got: unknown[] = x.dtype === 'I64' || x.dtype === 'U64' ? Array.from(x.data as BigInt64Array, (b) => b.toString())
      : x.dtype === 'BOOL' ? Array.from(x.data as Uint8Array, (b) => b !== 0)
        : /^[IU]/.test(x.dtype) ? Array.from(x.data as Int32Array) : Array.from(toFloat32(x))
    // dtype_zoo.json lists floats after a float32 cast (torch `.float()`), F64 included: compare F64 through toFloat32.
    const wantNorm = x.dtype === 'U64' ? want.map((v) => String(v)) : want
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], wantNorm[i])) t.fail(`${name}[${i}]: got ${String(got[i])}, want ${String(wantNorm[i])}`)
    }
    t.ok(got.every((g, i) => Object.is(g, wantNorm[i])), `${name} values exact`)
  }
  // typed arrays of the documented kinds, zero-copy where aligned
  t.type(byName.get('f64')!.data, Float64Array)
  t.type(byName.get('i64')!.data, BigInt64Array)
  t.type(byName.get('u64')!.data, BigUint64Array)
  t.type(byName.get('bf16')!.data, Uint16Array)
  t.type(byName.get('i8')!.data, Int8Array)
  t.equal(byName.get('f32')!.data.buffer, zooBytes.buffer, 'aligned F32 is a view, not a copy')
})
