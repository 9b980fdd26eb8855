// --device cpu|gpu on the heavy commands (besides lr svd, tested in svd-device.test.ts), on lavapipe in CI.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { readSafetensors, toFloat32 } from '@lr/io-safetensors'
import * as E from 'fp-ts/lib/Either.js'

const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const TINY = join(FIXTURES, 'tinyllama-bytes')
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const tmp = mkdtempSync(join(tmpdir(), 'lr-cli-device-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
const NO_GPU = { VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json' }

const lr = (env: NodeJS.ProcessEnv, ...args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
  return { code: r.status, out: r.stdout, err: r.stderr }
}
const tensors = (file: string): Map<string, Float32Array> => {
  const r = readSafetensors(new Uint8Array(readFileSync(file)), { file })
  if (E.isLeft(r)) throw r.left
  return new Map(r.right.tensors.map((x) => [x.name, toFloat32(x)]))
}
/** B·A [out, in] in f64 from lora_B [out, r] and lora_A [r, in]. */
const product = (b: Float32Array, a: Float32Array, r: number): Float64Array => {
  const out = b.length / r, inF = a.length / r, p = new Float64Array(out * inF)
  for (let i = 0; i < out; i++) for (let k = 0; k < r; k++) { const bv = b[i * r + k]!; for (let j = 0; j < inF; j++) p[i * inF + j]! += bv * a[k * inF + j]! }
  return p
}

// The GPU runs the same Halko algorithm with the same Ω draw as the CPU; only the rounding of the f32 products
// differs (≤ 1e-5·√k relative each, kernels-gpu's bound). A rank-r projection moves by that perturbation divided by
// the gap σ_r − σ_{r+1}, so the bound on ‖B·A_gpu − B·A_cpu‖_F / ‖B·A_cpu‖_F is kept loose at 1e-3 (measured on
// lavapipe: 8.1e-7, printed by the test); the per-module relative errors agree to 1e-4 absolute (measured 8.7e-9).
const PRODUCT_TOL = 1e-3
const REL_ERR_TOL = 1e-4

t.test('lr lora extract --device gpu equals --device cpu (randomized SVD) within the f32 product bound', async (t) => {
  const args = ['lora', 'extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--rank', '4', '--targets', 'q_proj,down_proj', '--svd', 'randomized', '--json']
  const cpu = lr({}, ...args, '--out', join(tmp, 'cpu'))
  const gpu = lr({}, ...args, '--out', join(tmp, 'gpu'), '--device', 'gpu')
  t.equal(cpu.code, 0, cpu.err)
  t.equal(gpu.code, 0, gpu.err)
  const jc = JSON.parse(cpu.out) as { modules: { module: string; relativeError: number }[] }
  const jg = JSON.parse(gpu.out) as { modules: { module: string; relativeError: number }[] }
  t.same(jg.modules.map((m) => m.module), jc.modules.map((m) => m.module), 'same modules')
  const dRel = Math.max(...jc.modules.map((m, i) => Math.abs(m.relativeError - jg.modules[i]!.relativeError)))
  t.ok(dRel <= REL_ERR_TOL, `relative errors agree: max |Δ| ${dRel.toExponential(2)} <= ${REL_ERR_TOL}`)
  const tc = tensors(join(tmp, 'cpu', 'adapter_model.safetensors')), tg = tensors(join(tmp, 'gpu', 'adapter_model.safetensors'))
  let worst = 0
  for (const key of tc.keys()) {
    if (!key.endsWith('lora_B.weight')) continue
    const ak = key.replace('lora_B', 'lora_A')
    const pc = product(tc.get(key)!, tc.get(ak)!, 4), pg = product(tg.get(key)!, tg.get(ak)!, 4)
    let num = 0, den = 0
    for (let i = 0; i < pc.length; i++) { num += (pc[i]! - pg[i]!) ** 2; den += pc[i]! ** 2 }
    worst = Math.max(worst, Math.sqrt(num / den))
  }
  t.ok(worst <= PRODUCT_TOL, `‖B·A_gpu − B·A_cpu‖_F / ‖B·A_cpu‖_F ≤ ${PRODUCT_TOL}: ${worst.toExponential(2)}`)
})

t.test('--device gpu without an adapter is NoAdapter naming the fix; exact SVD on the GPU and a bad device are usage errors', async (t) => {
  const base = ['lora', 'extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), '--rank', '4', '--targets', 'q_proj']
  const r = lr(NO_GPU, ...base, '--out', join(tmp, 'none'), '--device', 'gpu')
  t.equal(r.code, 1)
  t.match(r.err, /^lr: NoAdapter: no WebGPU adapter: .*--device cpu$/m)
  const ex = lr({}, ...base, '--out', join(tmp, 'ex'), '--device', 'gpu', '--svd', 'exact')
  t.equal(ex.code, 2)
  t.match(ex.err, /--svd exact has no GPU kernel/)
  const bad = lr({}, ...base, '--out', join(tmp, 'bad'), '--device', 'tpu')
  t.equal(bad.code, 2)
  t.match(bad.err, /--device must be cpu or gpu/)
})

// lr eval / lr quantize fairy2i --eval: the dense (tiled GEMM, ≤ 1e-5·√in relative per entry) and packed (f32
// rounding) linears on the GPU, the rest on the CPU. The mean loss moves by far less than 1e-4 nats (measured on
// lavapipe below, printed); one 257-byte row of the eval file keeps it short on a software adapter.
const LOSS_TOL = 1e-4
const row1 = join(tmp, 'eval1.u8')
writeFileSync(row1, readFileSync(join(TINY, 'eval_code.u8')).subarray(0, 257))

t.test('lr eval --device gpu gives the CPU loss within 1e-4 nats; no adapter is NoAdapter', async (t) => {
  const cpu = lr({}, 'eval', join(TINY, 'base'), '--data', row1, '--json')
  const gpu = lr({}, 'eval', join(TINY, 'base'), '--data', row1, '--json', '--device', 'gpu')
  t.equal(cpu.code, 0, cpu.err)
  t.equal(gpu.code, 0, gpu.err)
  const lc = (JSON.parse(cpu.out) as { loss: number }).loss, lg = (JSON.parse(gpu.out) as { loss: number }).loss
  t.ok(Math.abs(lc - lg) <= LOSS_TOL, `|loss_gpu − loss_cpu| = ${Math.abs(lc - lg).toExponential(2)} <= ${LOSS_TOL} (cpu ${lc})`)
  const text = lr({}, 'eval', join(TINY, 'base'), '--data', row1, '--device', 'gpu')
  t.match(text.out, /gpu \(.+\): 29 linears, 0 on the CPU/, 'names the adapter and what ran there (4 layers × 7 + lm_head)')
  const none = lr(NO_GPU, 'eval', join(TINY, 'base'), '--data', row1, '--device', 'gpu')
  t.equal(none.code, 1)
  t.match(none.err, /^lr: NoAdapter: .*--device cpu$/m)
})

t.test('lr quantize fairy2i --eval --device gpu: packed layers through fairy2iApplyGpu give the CPU losses', async (t) => {
  const args = ['quantize', 'fairy2i', join(TINY, 'base'), '--stages', '2', '--eval', row1, '--json']
  const cpu = lr({}, ...args, '--out', join(tmp, 'f2-cpu'))
  const gpu = lr({}, ...args, '--out', join(tmp, 'f2-gpu'), '--device', 'gpu')
  t.equal(cpu.code, 0, cpu.err)
  t.equal(gpu.code, 0, gpu.err)
  const ec = (JSON.parse(cpu.out) as { eval: { loss_before: number; loss_after: number } }).eval
  const eg = (JSON.parse(gpu.out) as { eval: { loss_before: number; loss_after: number } }).eval
  t.ok(Math.abs(ec.loss_before - eg.loss_before) <= LOSS_TOL, `before: |Δ| ${Math.abs(ec.loss_before - eg.loss_before).toExponential(2)}`)
  t.ok(Math.abs(ec.loss_after - eg.loss_after) <= LOSS_TOL, `after (packed): |Δ| ${Math.abs(ec.loss_after - eg.loss_after).toExponential(2)}`)
  const noEval = lr({}, 'quantize', 'fairy2i', join(TINY, 'base'), '--out', join(tmp, 'f2-x'), '--device', 'gpu')
  t.equal(noEval.code, 2)
  t.match(noEval.err, /--device gpu runs the --eval forward/)
})
