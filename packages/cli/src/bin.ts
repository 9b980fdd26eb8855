#!/usr/bin/env node
import { CommanderError } from 'commander'
import { buildProgramFor } from './programFor.js'
import { EXIT_USAGE, reportError, UsageError } from './runtime.js'
import { setCpuOptions } from '@lr/svd'

const main = async (): Promise<number> => {
  const program = await buildProgramFor(process.argv[2])
  try {
    // LR_THREADS: threads of the CPU kernels (@lr/svd products and everything built on them); the
    // packages never read the environment, the CLI edge does. 0 or unset = all cores.
    const threads = process.env['LR_THREADS']
    if (threads !== undefined && threads !== '') {
      const t = Number(threads)
      if (!Number.isInteger(t) || t < 0 || t > 1024) throw new UsageError(`LR_THREADS=${threads}: expected an integer thread count in [0, 1024] (0 = all cores)`)
      setCpuOptions({ threads: t })
    }
    await program.parseAsync(process.argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE
    return reportError(e)
  }
}

main().then((code) => { process.exitCode = code })
