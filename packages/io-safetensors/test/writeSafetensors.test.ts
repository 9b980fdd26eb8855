import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import { DTYPES, DTYPE_BYTES, readSafetensors, serializeSafetensors, type Dtype, type NamedTensor } from '../src/index.js'
import { viewAs } from '../src/internal/tensorData.js'
import { openCheckpoint, writeSafetensors } from '../src/node/index.js'
import { FIXTURES, unwrap } from './helpers.js'

const scratch = mkdtempSync(join(tmpdir(), 'lr-io-write-'))
t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(scratch, { recursive: true, force: true })))
const run = async <A>(te: () => Promise<E.Either<unknown, A>>): Promise<A> => unwrap(await te())
const bytesOfTensor = (x: NamedTensor) => new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength)

/** Random tensors of every dtype with arbitrary bit patterns (NaN payloads, −0, subnormals, Inf, huge integers). */
const arbTensor = (name: string, dtype: Dtype) =>
  fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }).chain((shape) => {
    const n = shape.reduce((a, b) => a * b, 1)
    return fc.uint8Array({ minLength: n * DTYPE_BYTES[dtype], maxLength: n * DTYPE_BYTES[dtype] })
      .map((bytes): NamedTensor => ({ name, dtype, shape, data: viewAs(dtype, bytes) }))
  })
const arbTensors = fc.tuple(...DTYPES.map((d, i) => arbTensor(`t${i}.${d.toLowerCase()}`, d)))
  .chain((ts) => fc.shuffledSubarray(ts, { minLength: 1 }))

t.test('serialize → read round-trips bit-exactly for every dtype (property)', async (t) => {
  fc.assert(fc.property(arbTensors, fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), (ts, metadata) => {
    const bytes = unwrap(serializeSafetensors(ts, { metadata }))
    const back = unwrap(readSafetensors(bytes))
    if (back.tensors.length !== ts.length) return false
    if (JSON.stringify(back.metadata) !== JSON.stringify(Object.keys(metadata).length ? metadata : {})) return false
    const byName = new Map(back.tensors.map((x) => [x.name, x]))
    return ts.every((x) => {
      const y = byName.get(x.name)!
      return y.dtype === x.dtype && JSON.stringify(y.shape) === JSON.stringify(x.shape) && Buffer.compare(bytesOfTensor(x), bytesOfTensor(y)) === 0
    })
  }), { seed: 42, numRuns: 300 })
  t.ok(true, '300 random files round-tripped')
})

t.test('writeSafetensors → openCheckpoint round-trips bit-exactly for every dtype (property, on disk)', async (t) => {
  let i = 0
  await fc.assert(fc.asyncProperty(arbTensors, async (ts) => {
    const path = join(scratch, `rt${i++}.safetensors`)
    await run(writeSafetensors(path, ts, { metadata: { format: 'pt' } }))
    const ck = await run(openCheckpoint(path))
    try {
      if (ck.metadata['format'] !== 'pt' || ck.tensors.length !== ts.length) return false
      for (const x of ts) {
        const y = await run(ck.readTensor(x.name))
        if (y.dtype !== x.dtype || JSON.stringify(y.shape) !== JSON.stringify(x.shape) || Buffer.compare(bytesOfTensor(x), bytesOfTensor(y)) !== 0) return false
      }
      // header length padded to 8 bytes, like the reference writer
      return readFileSync(path).readBigUint64LE(0) % 8n === 0n
    } finally { await ck.close() }
  }), { seed: 42, numRuns: 40 })
  t.same(readdirSync(scratch).filter((f) => f.includes('.tmp-')), [], 'no temporary files left')
})

const zooPath = join(FIXTURES, 'safetensors/dtype_zoo.safetensors')
const zooBytes = new Uint8Array(readFileSync(zooPath))

t.test('the writer reproduces the reference library byte for byte (dtype_zoo)', async (t) => {
  const { tensors, metadata } = unwrap(readSafetensors(zooBytes))
  const ours = unwrap(serializeSafetensors([...tensors].reverse(), { metadata }))
  t.equal(Buffer.compare(ours, zooBytes), 0, 'serializeSafetensors output = safetensors (Rust) output')
  const path = join(scratch, 'zoo.safetensors')
  await run(writeSafetensors(path, tensors, { metadata }))
  t.equal(Buffer.compare(readFileSync(path), zooBytes), 0, 'writeSafetensors output = reference output')
  // a stream without specs is spooled, then laid out the same way
  async function* stream() { for (const x of tensors) yield x }
  const spooled = join(scratch, 'zoo-stream.safetensors')
  await run(writeSafetensors(spooled, stream(), { metadata }))
  t.equal(Buffer.compare(readFileSync(spooled), zooBytes), 0, 'spooled stream = reference output')
  // with specs, a stream in any order is written in place with positional writes
  async function* shuffled() { for (const x of [...tensors].reverse()) yield x }
  const inPlace = join(scratch, 'zoo-specs.safetensors')
  await run(writeSafetensors(inPlace, shuffled(), { metadata, specs: tensors.map(({ name, dtype, shape }) => ({ name, dtype, shape })) }))
  t.equal(Buffer.compare(readFileSync(inPlace), zooBytes), 0, 'header-first stream with specs = reference output')
  t.same(readdirSync(scratch).filter((f) => f.includes('.tmp-')), [])
})

t.test('write errors: each rule, asserted on `rule`, and nothing left under the final name', async (t) => {
  const w = (x: Partial<NamedTensor>): NamedTensor => ({ name: 'w', dtype: 'F32', shape: [2], data: new Float32Array(2), ...x })
  const cases: [string, Parameters<typeof writeSafetensors>[1], Parameters<typeof writeSafetensors>[2], string][] = [
    ['wrong typed array', [w({ data: new Float64Array(2) })], {}, 'invalid-tensor'],
    ['wrong length', [w({ data: new Float32Array(3) })], {}, 'invalid-tensor'],
    ['reserved name', [w({ name: '__metadata__' })], {}, 'invalid-tensor'],
    ['unknown dtype', [w({ dtype: 'F4' as Dtype })], {}, 'invalid-tensor'],
    ['negative dim', [w({ shape: [-2] })], {}, 'invalid-tensor'],
    ['duplicate', [w({}), w({})], {}, 'duplicate-tensor'],
    ['metadata not string', [w({})], { metadata: { n: 3 as unknown as string } }, 'metadata-invalid'],
    ['not in specs', [w({ name: 'x' })], { specs: [{ name: 'w', dtype: 'F32', shape: [2] }] }, 'spec-mismatch'],
    ['shape differs from spec', [w({})], { specs: [{ name: 'w', dtype: 'F32', shape: [1, 2] }] }, 'spec-mismatch'],
    ['spec never yielded', [w({})], { specs: [{ name: 'w', dtype: 'F32', shape: [2] }, { name: 'v', dtype: 'F32', shape: [2] }] }, 'spec-mismatch'],
  ]
  for (const [what, tensors, opts, rule] of cases) {
    const path = join(scratch, `bad-${rule}.safetensors`)
    const r = await writeSafetensors(path, tensors, opts)()
    t.ok(E.isLeft(r) && r.left.rule === rule, `${what}: ${E.isLeft(r) ? r.left.message : 'no error'}`)
    t.notOk(existsSync(path), `${what}: no file under the final name`)
  }
  const blocker = join(scratch, 'a-file')
  writeFileSync(blocker, 'x')
  const r = await writeSafetensors(join(blocker, 'x.safetensors'), [w({})])()
  t.ok(E.isLeft(r) && r.left.rule === 'io-error' && r.left._tag === 'SafetensorsError', 'ENOTDIR is an io-error')
  t.same(readdirSync(scratch).filter((f) => f.includes('.tmp-')), [], 'temporary files removed')
})

t.test('a stream that fails mid-write leaves the old file intact and no temporary file', async (t) => {
  const path = join(scratch, 'keep.safetensors')
  await run(writeSafetensors(path, [{ name: 'old', dtype: 'U8', shape: [1], data: new Uint8Array([7]) }]))
  const before = readFileSync(path)
  async function* failing() {
    yield { name: 'a', dtype: 'F32', shape: [1024], data: new Float32Array(1024) } as NamedTensor
    throw new Error('upstream failed')
  }
  for (const opts of [{}, { specs: [{ name: 'a', dtype: 'F32', shape: [1024] }, { name: 'b', dtype: 'F32', shape: [4] }] as const }]) {
    const r = await writeSafetensors(path, failing(), opts)()
    t.ok(E.isLeft(r) && r.left.rule === 'io-error' && /upstream failed/.test(r.left.message))
    t.equal(Buffer.compare(readFileSync(path), before), 0, 'old file untouched')
  }
  t.same(readdirSync(scratch).filter((f) => f.startsWith('keep.safetensors.')), [], 'no temporary or spool file left')
})

t.test('SIGKILL during a write never leaves a file under the final name', async (t) => {
  const dist = fileURLToPath(new URL('../dist/node/index.js', import.meta.url))
  const path = join(scratch, 'killed.safetensors')
  const script = `
    const { writeSafetensors } = await import(${JSON.stringify(dist)})
    async function* slow() {
      for (let i = 0; i < 200; i++) {
        yield { name: 't' + i, dtype: 'F32', shape: [1 << 18], data: new Float32Array(1 << 18) }
        if (i === 2) process.stdout.write('started\\n')
        await new Promise((r) => setTimeout(r, 20))
      }
    }
    await writeSafetensors(${JSON.stringify(path)}, slow())()`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('started')) resolve() }))
  child.kill('SIGKILL')
  await new Promise((resolve) => child.on('exit', resolve))
  t.notOk(existsSync(path), 'no file under the final name after kill -9')
  t.ok(readdirSync(scratch).some((f) => f.startsWith('killed.safetensors.tmp-')), 'the write was in progress (its temporary file exists)')
})
