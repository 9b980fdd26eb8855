import t from 'tap'
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import { fromFloat32, toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { readLoraAdapter, planMerge } from '@lr/adapters/node'
import { fromTensors } from '../src/stream/stream.js'
import { mapTensor } from '../src/stream/mapTensor.js'
import { concat } from '../src/stream/concat.js'
import { collect } from '../src/stream/sinks.js'
import { castTensor } from '../src/stream/castTensor.js'
import { extractLoraModule, savedModule } from '../src/stream/extractLoraModule.js'
import { mergeAdapters } from '../src/stream/mergeAdapters.js'
import { loraModules } from '../src/stream/loraModules.js'
import type { AdapterEntry, LoraEntry } from '../src/stream/adapterEntry.js'
import { writeLoraAdapter } from '../src/node/writeLoraAdapter.js'

const tmp = mkdtempSync(join(tmpdir(), 'lr-pipe-adapter-'))
/** ΔW = Σ_{k<r} u_k v_kᵀ with smooth factors: exactly rank r (in exact arithmetic). */
const lowRank = (name: string, rows: number, cols: number, r: number): NamedTensor => {
  const d = new Float32Array(rows * cols)
  for (let k = 0; k < r; k++) for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) d[i * cols + j] = d[i * cols + j]! + Math.sin(1 + i * (k + 1)) * Math.cos(2 + j * (k + 2)) / (k + 1)
  return fromFloat32(name, [rows, cols], d, 'F32')
}
// A rank-r reconstruction of an exactly rank-r f32 matrix: f32 rounding of the inputs and the SVD, relative to ‖ΔW‖.
const F32_REL = 1e-5
const relErr = (got: (i: number, j: number) => number, want: NamedTensor): number => {
  const [m, n] = want.shape as [number, number], w = toFloat32(want)
  let e = 0, s = 0
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) { const d = got(i, j) - w[i * n + j]!; e += d * d; s += w[i * n + j]! ** 2 }
  return Math.sqrt(e / s)
}
const ba = (l: LoraEntry['lora'], i: number, j: number): number => {
  let s = 0
  for (let k = 0; k < l.a.shape[0]; k++) s += l.b.data[i * l.b.shape[1] + k]! * l.a.data[k * l.a.shape[1] + j]!
  return s
}

t.test('extractLoraModule: B·A ≈ ΔW for a linear, (B·A)ᵀ ≈ ΔW with A [r, vocab] for an embedding; too large a rank fails', async (t) => {
  const stage = extractLoraModule({ rank: 3 })
  const lin = stage(lowRank('model.layers.0.mlp.up_proj.weight', 20, 12, 3))
  t.same([lin.name, lin.lora.kind, lin.lora.a.shape, lin.lora.b.shape], ['model.layers.0.mlp.up_proj', 'linear', [3, 12], [20, 3]])
  t.ok(relErr((i, j) => ba(lin.lora, i, j), lowRank('x', 20, 12, 3)) < F32_REL)
  const emb = stage(lowRank('model.embed_tokens.weight', 16, 6, 3))
  t.same([emb.lora.kind, emb.lora.a.shape, emb.lora.b.shape], ['embedding', [3, 16], [6, 3]])
  t.ok(relErr((v, h) => ba(emb.lora, h, v), lowRank('x', 16, 6, 3)) < F32_REL)
  t.ok((emb.report as { relativeError: number }).relativeError < F32_REL)
  t.throws(() => extractLoraModule({ rank: 7 })(lowRank('m.weight', 6, 5, 1)), { _tag: 'ModuleError', rule: 'rank-too-large' })
})

t.test('castTensor rounds floats (BF16 → F32 exact) and leaves integers; concat keeps order', async (t) => {
  const x = fromFloat32('w', [3], Float32Array.from([1, 1 + 2 ** -10, -3.5]), 'F32')
  const bf = castTensor('BF16')(x)
  t.equal(bf.dtype, 'BF16')
  t.same([...toFloat32(castTensor('F32')(bf))], [1, 1, -3.5], 'BF16 has 8 significant bits: 1 + 2⁻¹⁰ rounds to 1')
  const ints: NamedTensor = { name: 'ids', dtype: 'I32', shape: [2], data: Int32Array.from([1, 2]) }
  t.equal(castTensor('F16')(ints), ints)
  const r = await pipe(concat(fromTensors([x]), fromTensors([ints])), collect())()
  t.same(E.isRight(r) && r.right.map((v) => v.name), ['w', 'ids'])
})

t.test('writeLoraAdapter: PEFT dir with modules_to_save read back; kohya refuses saved tensors and writes nothing; mergeAdapters applies it', async (t) => {
  const deltas = [lowRank('model.layers.0.self_attn.q_proj.weight', 8, 8, 2), lowRank('model.embed_tokens.weight', 12, 8, 2)]
  const norm = fromFloat32('model.norm.weight', [8], Float32Array.from({ length: 8 }, (_, i) => 1 + i), 'F32')
  const entries = (): ReturnType<typeof concat<AdapterEntry>> => concat<AdapterEntry>(pipe(fromTensors(deltas), mapTensor(extractLoraModule({ rank: 2 }))), pipe(fromTensors([norm]), mapTensor(savedModule)))
  const dir = join(tmp, 'peft')
  const w = await pipe(entries(), writeLoraAdapter(dir, { config: { task_type: 'CAUSAL_LM' } }))()
  t.ok(E.isRight(w))
  const back = await readLoraAdapter(dir)()
  if (E.isLeft(back)) throw back.left
  t.same([...back.right.adapter.modules.keys()].sort(), ['model.embed_tokens', 'model.layers.0.self_attn.q_proj'])
  t.same([...back.right.adapter.modulesToSave!.values()].map((v) => [...v.data]), [[1, 2, 3, 4, 5, 6, 7, 8]])
  const k = await pipe(entries(), writeLoraAdapter(join(tmp, 'k.safetensors'), { format: 'kohya' }))()
  t.ok(E.isLeft(k) && k.left._tag === 'ModuleError')
  t.notOk(existsSync(join(tmp, 'k.safetensors')))
  // merge back into zero base weights: W' = ΔW (rank 2, exact up to f32) and the norm replaced
  const zeros = [fromFloat32('model.layers.0.self_attn.q_proj.weight', [8, 8], new Float32Array(64), 'F32'), fromFloat32('model.embed_tokens.weight', [12, 8], new Float32Array(96), 'F32'), fromFloat32('model.norm.weight', [8], new Float32Array(8), 'F32')]
  const plan = planMerge(zeros, [{ adapter: back.right.adapter }], 'zeros')
  const merged = await pipe(fromTensors(zeros), mapTensor(mergeAdapters(plan, { dtype: 'F32' })), collect())()
  if (E.isLeft(merged)) throw merged.left
  t.ok(relErr((i, j) => toFloat32(merged.right[0]!)[i * 8 + j]!, deltas[0]!) < F32_REL)
  t.ok(relErr((i, j) => toFloat32(merged.right[1]!)[i * 8 + j]!, deltas[1]!) < F32_REL, 'embedding ΔW comes back untransposed')
  t.same([...toFloat32(merged.right[2]!)], [1, 2, 3, 4, 5, 6, 7, 8])
  // loraModules streams an adapter's modules then its saved tensors; keepConfig writes the config as is
  const again = await pipe(loraModules(back.right.adapter), writeLoraAdapter(join(tmp, 'peft2'), { keepConfig: back.right.adapter.config }))()
  t.ok(E.isRight(again) && again.right.adapter.config === back.right.adapter.config && again.right.adapter.modulesToSave?.size === 1)
})
