import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { decodeBf16, encodeF16, toFloat32 } from '@lr/io-safetensors'
import { openCheckpoint, type Checkpoint } from '@lr/io-safetensors/node'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const BIN = join(ROOT, 'packages/cli/dist/bin.js')
const lr = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' })
const scratch = mkdtempSync(join(tmpdir(), 'lr-cli-convert-'))
t.teardown(() => import('node:fs/promises').then((fs) => fs.rm(scratch, { recursive: true, force: true })))
const open = async (p: string): Promise<Checkpoint> => { const r = await openCheckpoint(p)(); if (E.isLeft(r)) throw r.left; return r.right }
const read = async (ck: Checkpoint, name: string) => { const r = await ck.readTensor(name)(); if (E.isLeft(r)) throw r.left; return r.right }
const u32 = (f: Float32Array) => new Uint32Array(f.buffer, f.byteOffset, f.length)
const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && u32(a).every((x, i) => x === u32(b)[i])

t.test('lr convert BF16 → F32 gives exactly the BF16 values (and matches the reference F32 export of layer 0)', async (t) => {
  const out = join(scratch, 'base-f32.safetensors')
  const r = lr('convert', 'examples/tinyllama-base', out, '--dtype', 'f32')
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /wrote 39 tensors, 13,116,416 bytes as F32/)
  const src = await open(join(ROOT, 'examples/tinyllama-base'))
  const dst = await open(out)
  t.same(dst.metadata, { format: 'pt' })
  let exact = 0
  for (const info of src.tensors) {
    const a = await read(src, info.name)
    const b = await read(dst, info.name)
    if (b.dtype === 'F32' && sameBits(b.data as Float32Array, decodeBf16(a.data as Uint16Array))) exact++
  }
  t.equal(exact, 39, 'every tensor bit-exact')
  const ref = await open(join(FIXTURES, 'tinyllama-bytes/base_layer0_f32.safetensors'))
  for (const info of ref.tensors) {
    t.ok(sameBits((await read(dst, info.name)).data as Float32Array, (await read(ref, info.name)).data as Float32Array), `${info.name} = torch .float() export`)
  }
  await Promise.all([src.close(), dst.close(), ref.close()])
})

t.test('lr convert to a sharded directory and back; companion files copied; F16 rounds to nearest even', async (t) => {
  const sharded = join(scratch, 'sharded')
  const r = lr('convert', 'examples/tinyllama-base', sharded, '--max-shard-size', '1MB', '--json')
  t.equal(r.status, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as { files: string[]; total_bytes: number }
  t.equal(doc.files.length, 8)
  t.ok(readdirSync(sharded).includes('model.safetensors.index.json') && readdirSync(sharded).includes('config.json'))
  t.notOk(existsSync(`${sharded}.partial`))
  const f16 = join(scratch, 'f16')
  t.equal(lr('convert', sharded, f16, '--dtype', 'f16').status, 0)
  t.same(readdirSync(f16).sort(), ['config.json', 'generation_config.json', 'model.safetensors'])
  const src = await open(join(ROOT, 'examples/tinyllama-base'))
  const back = await open(f16)
  let ok = 0
  for (const info of src.tensors) {
    const want = encodeF16(toFloat32(await read(src, info.name)))
    const got = await read(back, info.name)
    if (got.dtype === 'F16' && Buffer.compare(Buffer.from(want.buffer), Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength)) === 0) ok++
  }
  t.equal(ok, 39)
  await Promise.all([src.close(), back.close()])
})

t.test('lr convert usage errors exit 2 and write nothing', async (t) => {
  const out = join(scratch, 'never.safetensors')
  const r = lr('convert', 'examples/tinyllama-base', out, '--dtype', 'f8')
  t.equal(r.status, 2)
  t.match(r.stderr, /--dtype must be f32, f16 or bf16/)
  t.equal(lr('convert', 'examples/tinyllama-base', out, '--max-shard-size', 'lots').status, 2)
  t.notOk(existsSync(out))
  t.equal(lr('convert', 'examples/nope', out).status, 1)
  t.match(readFileSync(join(ROOT, 'examples/tinyllama-base/config.json'), 'utf8'), /llama/)
})
