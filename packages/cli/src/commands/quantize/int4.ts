import type { Command } from 'commander'
import { UsageError } from '../../runtime.js'
import { intFlag } from '../../modelSurgery.js'
import { runQuantize, type QuantizeMethod } from '../../quantizeRunner.js'
import { parseShared, sharedOptions } from './common.js'
import { checkIntShape, intSpecs, quantizeInt } from './intQuant.js'

/** `lr quantize int4`: group-wise round-to-nearest 4-bit (quantizeIntK). */
export const register = (quantize: Command): void => {
  sharedOptions(quantize.command('int4')
    .description('Group-wise 4-bit round-to-nearest quantization of every linear layer (packed quant-int-v1 format, or --dense).')
    .argument('<model>', 'model directory or .safetensors file')
    .option('--group <n>', 'columns per scale group', '128')
    .option('--asymmetric', 'min/max scale and zero point per group instead of symmetric absmax'))
    .addHelpText('after', '\nExample:\n  $ lr quantize int4 examples/tinyllama-base --group 64 --out tiny-int4 --eval eval_code.u8')
    .action(async (model: string, f: { group: string; asymmetric?: boolean; out: string }) => {
      const group = intFlag(UsageError, '--group', f.group, 1)!
      const isSymmetric = !f.asymmetric
      const method: QuantizeMethod = {
        name: 'int4', format: 'quant-int-v1', params: { bits: 4, groupSize: group, isSymmetric, bitOrder: 'lsb-first' }, needsCalib: false,
        check: (name, _out, inDim) => checkIntShape('quantize int4', name, inDim, 4),
        specs: (m, out, inDim) => intSpecs(m, out, inDim, 4, group),
        quantize: (m, w) => quantizeInt(m, w, 4, group, isSymmetric),
      }
      await runQuantize(model, method, parseShared(f))
    })
}
