import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { mkdtempSync, rmSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { readSafetensors, toFloat32, fromFloat32, type NamedTensor } from '@lr/io-safetensors'
import { matrix, seededRng, type Mat } from '@lr/svd'
import { kasaInit, sorsaInit, svfitInit, qrLoraInit, loraFaInit, saltInit, nloraInit, sokaInit, methodTensors, peftKey } from '@lr/adapters'
import * as E from 'fp-ts/lib/Either.js'

// Each new `lr lora init` method on one module of the fixture model, checked bit-exact against the library function.
const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const BASE = join(FIXTURES, 'tinyllama-bytes', 'base')
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const MODULE = 'model.layers.0.self_attn.q_proj'
const RANK = 4
const tmp = mkdtempSync(join(tmpdir(), 'lr-cli-init-methods-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

const readAll = (file: string): Map<string, { shape: readonly number[]; data: Float32Array }> => {
  const r = readSafetensors(new Uint8Array(readFileSync(file)), { file })
  if (E.isLeft(r)) throw r.left
  return new Map(r.right.tensors.map((x) => [x.name, { shape: x.shape, data: toFloat32(x) }]))
}
const base = readAll(join(BASE, 'model.safetensors')).get(`${MODULE}.weight`)!
const w = (): Mat<Float32Array> => matrix(Float32Array.from(base.data), base.shape[0]!, base.shape[1]!)
const bitsEqual = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
const contiguous = (m: Mat): Float32Array => {
  const out = new Float32Array(m.shape[0] * m.shape[1])
  for (let i = 0; i < m.shape[0]; i++) for (let j = 0; j < m.shape[1]; j++) out[i * m.shape[1] + j] = m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!
  return out
}

const rng = () => seededRng(0)
const common = { rank: RANK, useRslora: false }
/** The library's output per method: adapter tensors (by key) and the residual weight, if the method changes the base. */
const expected: Record<string, () => { tensors: NamedTensor[]; residual?: Mat }> = {
  'kasa': () => { const i = kasaInit(w(), { ...common, rng: rng() }); return { tensors: methodTensors(MODULE, { method: 'kasa', a: i.a, b: i.b, diag: i.diag }), residual: i.residual } },
  'sorsa': () => { const i = sorsaInit(w(), { rank: RANK }); return { tensors: methodTensors(MODULE, { method: 'sorsa', u: i.u, s: i.s, vt: i.vt }), residual: i.residual } },
  'svfit': () => { const i = svfitInit(w(), { rank: RANK }); return { tensors: methodTensors(MODULE, { method: 'svfit', u: i.u, s: i.s, vt: i.vt }), residual: i.residual } },
  'qr-lora': () => { const i = qrLoraInit(w(), common); return { tensors: methodTensors(MODULE, { method: 'qr-lora', q: i.q, r: i.r, lambda: i.lambda }) } },
  'salt': () => {
    const i = saltInit(w(), { rank: RANK, loraRank: RANK, rng: rng() })
    return { tensors: methodTensors(MODULE, { method: 'salt', u: i.u, s: i.s, vt: i.vt, scale: i.scale, shift: i.shift, a: i.a, b: i.b }), residual: i.rest }
  },
  'nlora': () => { const i = nloraInit(w(), { ...common, rng: rng() }); return { tensors: methodTensors(MODULE, { method: 'nlora', a: i.a, n: i.n, b: i.b }), residual: i.residual } },
  'soka': () => { const i = sokaInit(w(), { rule: { kind: 'fixed', rank: RANK } }); return { tensors: methodTensors(MODULE, { method: 'soka', b: i.b, c: i.c }), residual: i.residual } },
  'lora-fa': () => {
    const i = loraFaInit({ ...common, inFeatures: base.shape[1]!, outFeatures: base.shape[0]!, rng: rng() })
    return { tensors: [
      fromFloat32(peftKey(MODULE, 'A'), [...i.a.shape], contiguous(i.a), 'F32'),
      fromFloat32(peftKey(MODULE, 'B'), [...i.b.shape], contiguous(i.b), 'F32'),
    ] }
  },
}

for (const [method, want] of Object.entries(expected)) {
  t.test(`lr lora init ${method} writes the library's tensors bit-exact`, async (t) => {
    const out = join(tmp, method)
    const r = spawnSync(process.execPath, [BIN, 'lora', 'init', method, '--model', BASE, '--rank', String(RANK), '--targets', MODULE, '--residual-dtype', 'F32', '--out', out, '--json'], { encoding: 'utf8' })
    t.equal(r.status, 0, r.stderr)
    const summary = JSON.parse(r.stdout) as { modules: { module: string }[]; residualDir?: string }
    t.same(summary.modules.map((m) => m.module), [MODULE])
    const config = JSON.parse(readFileSync(join(out, 'adapter', 'adapter_config.json'), 'utf8')) as Record<string, unknown>
    t.equal(config['peft_type'], 'LORA')
    if (method === 'lora-fa') t.equal(config['lr_method'], undefined, 'lora-fa is a plain PEFT LoRA')
    else t.equal(config['lr_method'], method, 'the config names the methodTensors scheme')
    const got = readAll(join(out, 'adapter', 'adapter_model.safetensors'))
    const { tensors, residual } = want()
    t.same([...got.keys()].sort(), tensors.map((x) => x.name).sort())
    for (const x of tensors) {
      const g = got.get(x.name)!
      t.same(g.shape, x.shape, x.name)
      t.ok(bitsEqual(g.data, toFloat32(x)), `${x.name} bit-exact`)
    }
    if (residual === undefined) t.equal(summary.residualDir, undefined, 'the base is unchanged')
    else {
      const res = readAll(join(out, 'residual_model', 'model.safetensors')).get(`${MODULE}.weight`)!
      t.ok(bitsEqual(res.data, contiguous(residual)), 'residual weight bit-exact')
    }
  })
}
