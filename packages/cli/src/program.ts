import type { Command } from 'commander'
import { baseProgram } from './baseProgram.js'
import { commands } from './commands/index.js'

/** The `lr` program with every sub-command registered (no side effects until parsed). */
export const buildProgram = (): Command => {
  const program = baseProgram()
  for (const register of commands) register(program)
  return program
}
