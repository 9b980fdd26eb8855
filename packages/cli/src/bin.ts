#!/usr/bin/env node
import { CommanderError } from 'commander'
import { buildProgram } from './program.js'
import { EXIT_USAGE, reportError } from './runtime.js'

const main = async (): Promise<number> => {
  const program = buildProgram()
  try {
    await program.parseAsync(process.argv)
    return typeof process.exitCode === 'number' ? process.exitCode : 0
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE
    return reportError(e)
  }
}

main().then((code) => { process.exitCode = code })
