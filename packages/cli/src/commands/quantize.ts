import type { Command } from 'commander'
import { register as fairy2i } from './quantize/fairy2i.js'
import { register as int4 } from './quantize/int4.js'
import { register as nf4 } from './quantize/nf4.js'
import { register as svdquant } from './quantize/svdquant.js'

/** The methods of `lr quantize`, one file each in ./quantize/ (keep everyone's lines on merge). */
const methods: readonly ((quantize: Command) => void)[] = [
  fairy2i,
  int4,
  nf4,
  svdquant,
]

/** `lr quantize <method> …`: the parent of every quantization method (docs/architecture.md, "Shared command trees"). */
export const register = (program: Command): void => {
  const quantize = program.command('quantize')
    .description('quantize the linear weights of a checkpoint; one sub-command per method')
    .addHelpText('after', '\nExample:\n  $ lr quantize fairy2i examples/tinyllama-base --stages 2 --out /tmp/tinyllama-fairy2i')
  for (const m of methods) m(quantize)
}
