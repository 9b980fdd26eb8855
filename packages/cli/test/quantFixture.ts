// A small synthetic Llama-shaped checkpoint (2 layers, hidden 32, MLP 48) and its calibration statistics, for the
// compress/quantize command tests: fast, with the real key names.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as E from 'fp-ts/lib/Either.js'
import { fromFloat32, type NamedTensor } from '@lr/io-safetensors'
import { writeCheckpoint, writeSafetensors } from '@lr/io-safetensors/node'

let s = 12345
const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 - 0.5 }
const randn = (n: number, scale: number): Float32Array => Float32Array.from({ length: n }, () => scale * (rnd() + rnd() + rnd()))

export const H = 32, I = 48, L = 2
export const PROJ: Record<string, [number, number]> = {
  'self_attn.q_proj': [H, H], 'self_attn.k_proj': [16, H], 'self_attn.v_proj': [16, H], 'self_attn.o_proj': [H, H],
  'mlp.gate_proj': [I, H], 'mlp.up_proj': [I, H], 'mlp.down_proj': [H, I],
}

const ok = async <A>(te: () => Promise<E.Either<unknown, A>>): Promise<A> => { const r = await te(); if (E.isLeft(r)) throw r.left; return r.right }

/** Writes model/ (BF16, config.json) and calib.safetensors (Σ x·xᵀ of random activations; q/k/v and gate/up share). */
export const makeModel = async (dir: string, opts: { singularQ?: boolean } = {}): Promise<{ model: string; calib: string }> => {
  const model = join(dir, 'model')
  mkdirSync(dir, { recursive: true })
  const tensors: NamedTensor[] = [fromFloat32('model.embed_tokens.weight', [64, H], randn(64 * H, 0.5), 'BF16')]
  for (let l = 0; l < L; l++) {
    for (const [p, [o, i]] of Object.entries(PROJ)) tensors.push(fromFloat32(`model.layers.${l}.${p}.weight`, [o, i], randn(o * i, 0.2), 'BF16'))
    tensors.push(fromFloat32(`model.layers.${l}.input_layernorm.weight`, [H], new Float32Array(H).fill(1), 'BF16'))
  }
  tensors.push(fromFloat32('lm_head.weight', [64, H], randn(64 * H, 0.2), 'BF16'))
  await ok(writeCheckpoint(model, tensors, { metadata: { format: 'pt' }, extraFiles: { 'config.json': JSON.stringify({ model_type: 'llama', hidden_size: H }) } }))
  const calib: NamedTensor[] = []
  for (let l = 0; l < L; l++) for (const [key, n] of [['self_attn.q_proj', H], ['self_attn.o_proj', H], ['mlp.gate_proj', H], ['mlp.down_proj', I]] as const) {
    const tokens = opts.singularQ && key === 'self_attn.q_proj' ? 8 : 4 * n // 8 tokens: rank-8 covariance (singular)
    const x = randn(tokens * n, 1)
    for (let t = 0; t < tokens; t++) x[t * n] *= 10 // an outlier channel
    const c = new Float32Array(n * n)
    for (let t = 0; t < tokens; t++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) c[i * n + j] += x[t * n + i]! * x[t * n + j]!
    calib.push(fromFloat32(`model.layers.${l}.${key}`, [n, n], c, 'F32'))
  }
  const calibPath = join(dir, opts.singularQ ? 'calib-singular.safetensors' : 'calib.safetensors')
  await ok(writeSafetensors(calibPath, calib))
  writeFileSync(join(dir, 'README'), 'synthetic test model')
  return { model, calib: calibPath }
}
