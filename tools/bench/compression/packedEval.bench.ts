// CPU cost of evaluating a packed int4 (group 128) tinyllama-bytes/base through packedQuantLinear (@lr/quant's
// quantizedMatmul, kernel 'gemm') against the same weights dequantized to dense f32: 4 eval_code rows, median of 3
// runs of process CPU time (robust to other load on the machine). Prints both losses (they must be equal).
//   node tools/bench/compression/packedEval.bench.ts
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { buildLlama, evaluateLoss, parseLlamaConfig } from '@lr/pipeline'
import { readAllTensors } from '@lr/pipeline/node'
import { dequantize, isLinearWeight, quantizeIntK } from '@lr/quant'
import { matrix } from '@lr/svd'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
const T = join(process.env['LR_FIXTURES'] ?? join(ROOT, '../shared/fixtures'), 'tinyllama-bytes')
const base = await readAllTensors(join(T, 'base'))
const config = parseLlamaConfig(JSON.parse(readFileSync(join(T, 'base/config.json'), 'utf8')), 'config.json')
const code = new Uint8Array(readFileSync(join(T, 'eval_code.u8'))).subarray(0, 4 * 257)
const packed = new Map<string, NamedTensor>(), dense = new Map<string, NamedTensor>()
for (const [n, t] of base) {
  if (!isLinearWeight(n, t.shape)) { packed.set(n, t); dense.set(n, t); continue }
  const [o, i] = t.shape as [number, number], m = n.slice(0, -'.weight'.length)
  const q = quantizeIntK(matrix(toFloat32(t), o, i), { bits: 4, groupSize: 128 })
  packed.set(`${m}.weight_packed`, { name: `${m}.weight_packed`, dtype: 'U8', shape: [o, i / 2], data: q.codes })
  packed.set(`${m}.weight_scales`, { name: `${m}.weight_scales`, dtype: 'F32', shape: [o, i / 128], data: q.scales })
  packed.set(`${m}.weight_zeros`, { name: `${m}.weight_zeros`, dtype: 'U8', shape: [o, i / 128], data: q.zeros })
  dense.set(n, { name: n, dtype: 'F32', shape: [o, i], data: dequantize(q).data })
}
const cpu = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6 }
const metadata = { lr_quant: JSON.stringify({ bits: 4, groupSize: 128, isSymmetric: true, bitOrder: 'lsb-first' }) }
const seconds: Record<'packed' | 'dense', number[]> = { packed: [], dense: [] }
const loss: Record<string, number> = {}
for (let rep = 0; rep < 3; rep++) for (const [k, m] of [['packed', packed], ['dense', dense]] as const) {
  const model = buildLlama(config, (n) => m.get(n), k, { metadata })
  const c0 = cpu(), r = await evaluateLoss(model, code)()
  seconds[k].push(cpu() - c0)
  if (r._tag === 'Left') throw r.left
  loss[k] = r.right.loss
}
const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
console.log('model          loss      cpu_s(4 rows)  ratio')
console.log(`dense f32      ${loss['dense']!.toFixed(6)}  ${med(seconds.dense).toFixed(2)}           1.00`)
console.log(`packed int4    ${loss['packed']!.toFixed(6)}  ${med(seconds.packed).toFixed(2)}           ${(med(seconds.packed) / med(seconds.dense)).toFixed(2)}`)
