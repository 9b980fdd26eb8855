import type { Command } from 'commander'
import { register as inspect } from './inspect.js'
import { register as convert } from './convert.js'
import { register as compress } from './compress.js'
import { register as quantize } from './quantize.js'
import { register as evalCmd } from './eval.js'
import { register as svd } from './svd.js'
import { register as spectrum } from './spectrum.js'
import { register as demo } from './demo.js'
import { register as lora } from './lora.js'

/** One `lr` sub-command: adds itself to the program. Each lives in its own file in this folder. */
export type Register = (program: Command) => void

/** Every command, in `--help` order. Add one line per new command file. */
export const commands: readonly Register[] = [
  inspect,
  convert,
  compress,
  quantize,
  evalCmd,
  svd,
  spectrum,
  demo,
  lora,
]
