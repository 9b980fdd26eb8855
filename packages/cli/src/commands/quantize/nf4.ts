import type { Command } from 'commander'
import { dequantize, quantizeNf4 } from '@lr/quant'
import { InvalidArgument } from '@lr/svd'
import { UsageError } from '../../runtime.js'
import { intFlag } from '../../modelSurgery.js'
import { runQuantize, type QuantizeMethod } from '../../quantizeRunner.js'
import { parseShared, sharedOptions } from './common.js'

/** `lr quantize nf4`: bitsandbytes NF4 (quantizeNf4). Format quant-nf4-v1: `<m>.weight_packed` U8 [out, in/2]
 *  (first element in the high nibble), `<m>.weight_absmax` F32 [out·in/block]. */
export const register = (quantize: Command): void => {
  sharedOptions(quantize.command('nf4')
    .description('bitsandbytes NF4 quantization (absmax per block of the flattened weight) of every linear layer.')
    .argument('<model>', 'model directory or .safetensors file')
    .option('--block <n>', 'elements per absmax block', '64'))
    .addHelpText('after', '\nExample:\n  $ lr quantize nf4 examples/tinyllama-base --out tiny-nf4 --eval eval_code.u8')
    .action(async (model: string, f: { block: string; out: string }) => {
      const block = intFlag(UsageError, '--block', f.block, 1)!
      const method: QuantizeMethod = {
        name: 'nf4', format: 'quant-nf4-v1', params: { blockSize: block, bitOrder: 'msb-first' }, needsCalib: false,
        check: (name, _out, inDim) => { if (inDim % 2 !== 0) throw new InvalidArgument('quantize nf4', name, `in_features ${inDim} is odd: two codes per byte need an even row length; use --dense`) },
        specs: (m, out, inDim) => [
          { name: `${m}.weight_packed`, dtype: 'U8', shape: [out, inDim / 2] },
          { name: `${m}.weight_absmax`, dtype: 'F32', shape: [Math.ceil((out * inDim) / block)] },
        ],
        quantize: (m, w) => {
          const q = quantizeNf4(w, { blockSize: block })
          const [out, inDim] = q.shape
          return {
            tensors: [
              { name: `${m}.weight_packed`, dtype: 'U8', shape: [out, inDim / 2], data: q.codes },
              { name: `${m}.weight_absmax`, dtype: 'F32', shape: [q.absmax.length], data: q.absmax },
            ],
            effective: dequantize(q).data,
          }
        },
      }
      await runQuantize(model, method, parseShared(f))
    })
}
