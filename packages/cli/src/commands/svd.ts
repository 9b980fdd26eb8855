import type { Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import { openCheckpoint } from '@lr/io-safetensors/node'
import { eigSym, effectiveRank, energyRatio, matrix, svd, transpose } from '@lr/svd'
import { UsageError } from '../runtime.js'

/** The `--json` document of `lr svd` (exactly the keys issue #3 fixes). */
export interface SvdJson { readonly tensor: string; readonly shape: readonly number[]; readonly singular_values: readonly number[]; readonly effective_rank: number }

const parseDevice = (v: string): 'cpu' | 'gpu' => {
  if (v !== 'cpu' && v !== 'gpu') throw new UsageError(`--device must be cpu or gpu, got "${v}"`)
  return v
}

/** All singular values through the GPU: the Gram matrix of the smaller side (AᵀA or AAᵀ, f32 with f32
 *  accumulation, on the GPU), its eigenvalues in f64 on the CPU, σᵢ = √λᵢ. By Weyl's theorem
 *  |σ̂ᵢ − σᵢ| ≤ 1e-5·√m·‖A‖²_F / σᵢ: the leading values are accurate, values below ~1e-3·‖A‖_F are not.
 *  No adapter is an error (`NoAdapter`), never a silent CPU run. */
const singularValuesGpu = async (data: Float32Array, m: number, n: number): Promise<{ s: Float64Array; device: string }> => {
  // loaded only for --device gpu (the CPU path never pays for the GPU modules)
  const { create } = await import('webgpu')
  const { createGpuContext, gemmGpu } = await import('@lr/kernels-gpu')
  const c = await createGpuContext(create([]))()
  if (E.isLeft(c)) throw c.left
  const ctx = c.right
  try {
    const a = matrix(data, m, n)
    const g = n <= m ? await gemmGpu(ctx, transpose(a), a)() : await gemmGpu(ctx, a, transpose(a))()
    if (E.isLeft(g)) throw g.left
    const k = Math.min(m, n), gd = g.right.data, sym = new Float64Array(k * k)
    for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) sym[i * k + j] = (gd[i * k + j]! + gd[j * k + i]!) / 2
    const { values } = eigSym(matrix(sym, k, k), { mode: 'values' })
    const s = new Float64Array(k)
    for (let i = 0; i < k; i++) s[i] = Math.sqrt(Math.max(0, values[k - 1 - i]!))
    return { s, device: ctx.adapterInfo.description || ctx.adapterInfo.device }
  } finally {
    ctx.destroy()
  }
}

const parseRank = (v: string): number => {
  const r = Number(v)
  if (!Number.isInteger(r) || r < 1) throw new UsageError(`--rank must be a positive integer, got "${v}"`)
  return r
}

/** `lr svd <checkpoint> --tensor NAME [--rank r] [--json]`: singular values of one weight matrix. */
export const register = (program: Command): void => {
  program.command('svd')
    .description('singular values of one 2-D tensor of a checkpoint (computed in f64), energy captured at a rank, effective rank')
    .argument('<checkpoint>', 'a .safetensors file, a directory with model.safetensors, or a sharded directory')
    .requiredOption('--tensor <name>', 'the tensor to decompose, e.g. model.layers.0.mlp.down_proj.weight')
    .option('--rank <r>', 'print only the top r singular values and the energy captured at r', parseRank)
    .option('--device <device>', 'cpu: one-sided SVD in f64; gpu: Gram matrix on the GPU (WebGPU, f32), eigenvalues in f64 (accurate for the leading values)', parseDevice, 'cpu' as const)
    .option('--json', 'print one JSON document: {"tensor","shape","singular_values":[…],"effective_rank":x}')
    .addHelpText('after', '\nExample:\n  $ lr svd examples/tinyllama-base --tensor model.layers.0.mlp.down_proj.weight --rank 16\n  $ lr svd examples/tinyllama-base --tensor lm_head.weight --json\n  $ lr svd examples/tinyllama-base --tensor lm_head.weight --rank 8 --device gpu')
    .action(async (path: string, opts: { tensor: string; rank?: number; json?: boolean; device: 'cpu' | 'gpu' }) => {
      const r = await openCheckpoint(path)()
      if (E.isLeft(r)) throw r.left
      const ck = r.right
      try {
        const info = ck.tensors.find((t) => t.name === opts.tensor)
        if (!info) {
          const near = ck.tensors.filter((t) => t.shape.length === 2 && t.name.includes(opts.tensor.split('.').at(-2) ?? opts.tensor)).slice(0, 5).map((t) => t.name)
          throw new UsageError(`${ck.path}: no tensor "${opts.tensor}"${near.length ? `; did you mean ${near.join(', ')}?` : ''} (lr inspect ${path} lists them)`)
        }
        if (info.shape.length !== 2) throw new UsageError(`${ck.path}: tensor "${opts.tensor}" has shape [${info.shape.join(', ')}]; lr svd needs a 2-D matrix`)
        const [m, n] = info.shape as [number, number]
        const k = Math.min(m, n)
        if (opts.rank !== undefined && opts.rank > k) throw new UsageError(`--rank ${opts.rank} exceeds min(${m}, ${n}) = ${k} for "${opts.tensor}"`)
        const data = await ck.readFloat32(opts.tensor)()
        if (E.isLeft(data)) throw data.left
        const gpu = opts.device === 'gpu' ? await singularValuesGpu(data.right, m, n) : undefined
        const s = gpu ? gpu.s : svd(matrix(Float64Array.from(data.right), m, n), { mode: 'values' }).s
        const shown = Array.from(s.subarray(0, opts.rank ?? k))
        const eff = effectiveRank(s)
        if (opts.json) {
          const doc: SvdJson = { tensor: opts.tensor, shape: [m, n], singular_values: shown, effective_rank: eff }
          process.stdout.write(`${JSON.stringify(doc)}\n`)
          return
        }
        const rank = opts.rank ?? k
        const lines = [
          `${opts.tensor}  [${m}, ${n}]  ${info.dtype}`,
          `singular values (${opts.rank !== undefined ? `top ${rank} of ${k}` : `all ${k}`}, descending):`,
          ...shown.map((v, i) => `  ${String(i + 1).padStart(5)}  ${v.toPrecision(8)}`),
          `energy captured at rank ${rank}: ${(100 * energyRatio(s, { rank })).toFixed(4)}%`,
          `effective rank: ${eff.toFixed(2)} (of ${k})`,
          ...(gpu ? [`device: gpu (${gpu.device}): Gram matrix in f32 on the GPU, eigenvalues in f64`] : []),
        ]
        process.stdout.write(`${lines.join('\n')}\n`)
      } finally {
        await ck.close()
      }
    })
}
