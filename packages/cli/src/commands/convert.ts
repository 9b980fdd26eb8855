import type { Command } from 'commander'
import { pipe } from 'fp-ts/lib/function.js'
import { isFloatDtype, type TensorSpec } from '@lr/io-safetensors'
import { castTensor, mapTensor, type TensorStream } from '@lr/pipeline'
import { readCheckpoint, readCheckpointInfo, writeCheckpoint, writeSafetensorsFile } from '@lr/pipeline/node'
import type { NamedTensor } from '@lr/io-safetensors'
import { parseByteSize, progressReporter, UsageError } from '../runtime.js'
import { companionFiles } from '../companionFiles.js'
import { unwrap } from './lora.js'

const TARGETS = { f32: 'F32', f16: 'F16', bf16: 'BF16' } as const

/** `lr convert <in> <out> [--dtype f32|f16|bf16] [--max-shard-size 2GB]`: a pipeline readCheckpoint → mapTensor(castTensor)
 *  → writeCheckpoint (a directory, sharded or not) or writeSafetensorsFile, one tensor at a time. */
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
      const info = await unwrap(readCheckpointInfo(input))
      const progress = progressReporter({ isJson: Boolean(opts.json) })
      try {
        const specs: TensorSpec[] = info.tensors.map((t) => ({ name: t.name, dtype: target !== undefined && isFloatDtype(t.dtype) ? target : t.dtype, shape: t.shape }))
        const sinkOpts = { metadata: info.metadata, specs, checkFinite: false, label: 'convert', onProgress: (e: { stage: string; done: number; total: number; item?: string }) => progress.update(e) }
        const tensors: TensorStream<NamedTensor> = target === undefined ? readCheckpoint(input) : pipe(readCheckpoint(input), mapTensor(castTensor(target), { stage: 'cast' }))
        const asFile = maxShardBytes === undefined && output.endsWith('.safetensors')
        const w = await unwrap(asFile
          ? pipe(tensors, writeSafetensorsFile(output, sinkOpts))
          : pipe(tensors, writeCheckpoint(output, { ...sinkOpts, extraFiles: await companionFiles(input), ...(maxShardBytes !== undefined ? { maxShardBytes } : {}) })))
        progress.stop()
        const summary = { out: output, files: w.files, tensors: info.tensors.length, total_bytes: w.totalBytes, dtype: target ?? null }
        process.stdout.write(opts.json ? `${JSON.stringify(summary)}\n`
          : `wrote ${summary.tensors} tensors, ${summary.total_bytes.toLocaleString('en-US')} bytes${target ? ` as ${target}` : ''} to ${output} (${summary.files.length} file${summary.files.length > 1 ? 's' : ''})\n`)
      } finally { progress.stop() }
    })
}
