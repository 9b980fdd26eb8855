import type { Command } from 'commander'
import { baseProgram } from './baseProgram.js'

/**
 * The program for one invocation. When argv names a sub-command whose file is commands/<name>.ts,
 * only that module (and what it imports) is loaded: `lr svd` does not pay for loading every other
 * command's dependencies. Anything else (`lr --help`, `lr help x`, a typo) gets the full program,
 * so help listings and "unknown command" suggestions are unchanged.
 */
export const buildProgramFor = async (name: string | undefined): Promise<Command> => {
  if (name !== undefined && /^[a-z][a-z0-9-]*$/.test(name)) {
    const mod = await import(`./commands/${name}.js`).catch(() => undefined) as { register?: (p: Command) => void } | undefined
    if (typeof mod?.register === 'function') {
      const program = baseProgram()
      mod.register(program)
      if (program.commands.some((c) => c.name() === name)) return program
    }
  }
  return (await import('./program.js')).buildProgram()
}
