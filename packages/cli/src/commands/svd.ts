import type { Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import { openCheckpoint } from '@lr/io-safetensors/node'
import { effectiveRank, energyRatio, matrix, svd } from '@lr/svd'
import { UsageError } from '../runtime.js'

/** The `--json` document of `lr svd` (exactly the keys issue #3 fixes). */
export interface SvdJson { readonly tensor: string; readonly shape: readonly number[]; readonly singular_values: readonly number[]; readonly effective_rank: number }

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
    .option('--json', 'print one JSON document: {"tensor","shape","singular_values":[…],"effective_rank":x}')
    .addHelpText('after', '\nExample:\n  $ lr svd examples/tinyllama-base --tensor model.layers.0.mlp.down_proj.weight --rank 16\n  $ lr svd examples/tinyllama-base --tensor lm_head.weight --json')
    .action(async (path: string, opts: { tensor: string; rank?: number; json?: boolean }) => {
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
        const { s } = svd(matrix(Float64Array.from(data.right), m, n), { mode: 'values' })
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
        ]
        process.stdout.write(`${lines.join('\n')}\n`)
      } finally {
        await ck.close()
      }
    })
}
