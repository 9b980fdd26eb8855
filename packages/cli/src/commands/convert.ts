import type { Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import { fromFloat32, isFloatDtype, toFloat32, type Dtype, type NamedTensor, type TensorSpec } from '@lr/io-safetensors'
import { openCheckpoint, writeCheckpoint, writeSafetensors, type Checkpoint } from '@lr/io-safetensors/node'
import { parseByteSize, progressReporter, UsageError } from '../runtime.js'
import { companionFiles } from '../companionFiles.js'

const TARGETS = { f32: 'F32', f16: 'F16', bf16: 'BF16' } as const

/** The tensors of `ck`, read one at a time and cast to `target` when floating (exact when widening). */
async function* castTensors(ck: Checkpoint, target: Dtype | undefined, onTensor: (i: number, name: string) => void): AsyncGenerator<NamedTensor> {
  // One buffer as large as the largest tensor, reused: the writer has written a tensor before it asks for the next.
  const into = new Uint8Array(Math.max(0, ...ck.tensors.map((t) => t.byteLength)))
  for (const [i, info] of ck.tensors.entries()) {
    onTensor(i, info.name)
    const r = await ck.readTensor(info.name, { into })()
    if (E.isLeft(r)) throw r.left
    const t = r.right
    if (target === undefined || !isFloatDtype(t.dtype) || t.dtype === target) yield t
    else yield fromFloat32(t.name, t.shape, toFloat32(t), target as 'F32' | 'F16' | 'BF16')
  }
}

/** `lr convert <in> <out> [--dtype f32|f16|bf16] [--max-shard-size 2GB]`: rewrite a checkpoint, one tensor at a time. */
export const register = (program: Command): void => {
  program.command('convert')
    .description('rewrite a safetensors file or checkpoint (sharded too), casting floating tensors, streaming one tensor at a time; the output is written crash-safely')
    .argument('<in>', 'a .safetensors file or a checkpoint directory')
    .argument('<out>', 'a .safetensors file, or a directory (written as transformers does; config.json etc. are copied)')
    .option('--dtype <dtype>', 'cast floating tensors to f32, f16 or bf16 (round to nearest even; integers untouched)')
    .option('--max-shard-size <size>', 'write a sharded directory with shards of at most this size (e.g. 2GB, 500MB) and model.safetensors.index.json')
    .option('--json', 'print one JSON document describing the output, no progress')
    .addHelpText('after', '\nExample:\n  $ lr convert examples/tinyllama-base /tmp/tinyllama-f32 --dtype f32\n  $ lr convert examples/tinyllama-base /tmp/tinyllama-sharded --max-shard-size 1MB')
    .action(async (input: string, output: string, opts: { dtype?: string; maxShardSize?: string; json?: boolean }) => {
      const key = opts.dtype?.toLowerCase()
      if (key !== undefined && !(key in TARGETS)) throw new UsageError(`--dtype must be f32, f16 or bf16, got "${opts.dtype}"`)
      const target = key === undefined ? undefined : TARGETS[key as keyof typeof TARGETS]
      const maxShardBytes = opts.maxShardSize === undefined ? undefined : parseByteSize(opts.maxShardSize)
      if (maxShardBytes !== undefined && maxShardBytes <= 0) throw new UsageError('--max-shard-size must be positive')
      const r = await openCheckpoint(input)()
      if (E.isLeft(r)) throw r.left
      const ck = r.right
      const progress = progressReporter({ isJson: Boolean(opts.json) })
      try {
        const specs: TensorSpec[] = ck.tensors.map((t) => ({ name: t.name, dtype: target !== undefined && isFloatDtype(t.dtype) ? target : t.dtype, shape: t.shape }))
        const tensors = castTensors(ck, target, (i, name) => progress.update({ stage: 'convert', done: i, total: ck.tensors.length, item: name }))
        const asFile = maxShardBytes === undefined && output.endsWith('.safetensors')
        const w = asFile
          ? await writeSafetensors(output, tensors, { metadata: ck.metadata, specs })()
          : await writeCheckpoint(output, tensors, { metadata: ck.metadata, specs, extraFiles: await companionFiles(input), ...(maxShardBytes !== undefined ? { maxShardBytes } : {}) })()
        progress.update({ stage: 'convert', done: ck.tensors.length, total: ck.tensors.length })
        progress.stop()
        if (E.isLeft(w)) throw w.left
        const summary = { out: output, files: w.right.files, tensors: ck.tensors.length, total_bytes: w.right.totalBytes, dtype: target ?? null }
        process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n`
          : `wrote ${summary.tensors} tensors, ${summary.total_bytes.toLocaleString('en-US')} bytes${target ? ` as ${target}` : ''} to ${output} (${summary.files.length} file${summary.files.length > 1 ? 's' : ''})\n`)
      } finally {
        progress.stop()
        await ck.close()
      }
    })
}
