import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { MAX_HEADER_BYTES, parseHeader, type SafetensorsRule } from '../src/index.js'
import { craft, FIXTURES, unwrap } from './helpers.js'

const f32 = (n: number, begin = 0) => ({ dtype: 'F32', shape: [n], data_offsets: [begin, begin + 4 * n] })
const parse = (bytes: Uint8Array) => () => unwrap(parseHeader(bytes, { file: 'crafted.safetensors' }))
const lengthPrefix = (n: bigint, rest = 0): Uint8Array => {
  const b = new Uint8Array(8 + rest)
  new DataView(b.buffer).setBigUint64(0, n, true)
  return b
}

// Each crafted file breaks exactly one rule; the test asserts on `rule` (and on the tensor it names).
const cases: [SafetensorsRule, Uint8Array, string?][] = [
  ['header-too-small', new Uint8Array(5)],
  ['header-too-large', lengthPrefix(BigInt(MAX_HEADER_BYTES) + 1n, 16)],
  ['header-too-large', lengthPrefix(0xffffffffffffffffn, 16)],
  ['header-length-out-of-bounds', lengthPrefix(100n, 50)],
  ['header-not-utf8', craft('{"a":"\uFFFF"}').map((b, i, a) => (i === a.length - 3 ? 0xff : b))],
  ['header-invalid-start', craft(' {}')],
  ['header-invalid-start', craft('[]')],
  ['header-not-json', craft('{"a": }')],
  ['duplicate-tensor', craft('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', 8), 'a'],
  ['metadata-invalid', craft({ __metadata__: { n: 3 } })],
  ['metadata-invalid', craft({ __metadata__: ['x'] })],
  ['tensor-entry-invalid', craft({ a: 5 }), 'a'],
  ['tensor-entry-invalid', craft({ a: { dtype: 'F32', shape: [1] } }, 4), 'a'],
  ['unknown-dtype', craft({ a: { dtype: 'F4', shape: [2], data_offsets: [0, 1] } }, 1), 'a'],
  ['invalid-shape', craft({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), 'a'],
  ['invalid-shape', craft({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4), 'a'],
  ['invalid-shape', craft({ a: { dtype: 'F64', shape: [2 ** 30, 2 ** 30, 2 ** 30], data_offsets: [0, 4] } }, 4), 'a'],
  ['invalid-offsets', craft({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 0] } }, 4), 'a'],
  ['invalid-offsets', craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4), 'a'],
  ['byte-length-mismatch', craft({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, 4), 'a'],
  ['offsets-gap', craft({ a: f32(1), b: f32(1, 8) }, 12), 'b'],
  ['offsets-gap', craft({ a: f32(1, 4) }, 8), 'a'],
  ['offsets-overlap', craft({ a: f32(2), b: f32(2, 4) }, 12), 'b'],
  ['offsets-out-of-bounds', craft({ a: f32(4) }, 8), 'a'],
  ['data-incomplete', craft({ a: f32(1) }, 8)],
]

t.test('every header rule is triggered by a crafted file', async (t) => {
  for (const [rule, bytes, tensor] of cases) {
    t.throws(parse(bytes), { _tag: 'SafetensorsError', rule, file: 'crafted.safetensors', tensor }, rule)
  }
})

t.test('valid headers: empty file, metadata, zero-size tensors, any order in the JSON', async (t) => {
  t.same(unwrap(parseHeader(craft({}))).tensors, [])
  const h = unwrap(parseHeader(craft({ b: f32(1, 4), __metadata__: { format: 'pt' }, e: { dtype: 'F32', shape: [0, 3], data_offsets: [0, 0] }, a: f32(1) }, 8)))
  t.same(h.tensors.map((x) => x.name), ['e', 'a', 'b'], 'sorted by offset')
  t.same(h.metadata, { format: 'pt' })
  t.equal(h.tensors[2]!.byteOffset, h.headerLength + 8 + 4)
  // a `__proto__` tensor name is data, not a prototype
  const p = unwrap(parseHeader(craft('{"__proto__":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 1)))
  t.equal(p.tensors[0]!.name, '__proto__')
})

t.test('parseHeader over just the first 8 + N bytes of a real file, with fileSize', async (t) => {
  const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'tinyllama-bytes/base/model.safetensors')))
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true))
  const h = parseHeader(bytes.subarray(0, 8 + n), { file: 'model.safetensors', fileSize: bytes.length })
  t.ok(E.isRight(h) && h.right.tensors.length === 39)
  const wrong = parseHeader(bytes.subarray(0, 8 + n), { file: 'model.safetensors', fileSize: bytes.length - 2 })
  t.ok(E.isLeft(wrong) && wrong.left.rule === 'offsets-out-of-bounds')
})
