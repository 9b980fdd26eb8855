import type { Command } from 'commander'

/** One `lr` sub-command: adds itself to the program. Each lives in its own file in this folder. */
export type Register = (program: Command) => void

/** Every command, in `--help` order. Add one line per new command file. */
export const commands: readonly Register[] = [
]
