import type { Command } from 'commander'
import { svdQuant, svdQuantDense } from '@lr/quant'
import { InvalidArgument, matrix } from '@lr/svd'
import { UsageError } from '../../runtime.js'
import { intFlag } from '../../modelSurgery.js'
import { roundTo, runQuantize, type QuantizeMethod } from '../../quantizeRunner.js'
import { parseShared, sharedOptions } from './common.js'
import { checkIntShape, intSpecs, intTensors } from './intQuant.js'

/** `lr quantize svdquant`: smoothing + 16-bit low-rank branch + int-k residual (svdQuant). Format svdquant-v1:
 *  the quant-int-v1 tensors of the residual, `<m>.weight_smooth` F32 [in], `<m>.weight_lr_up` [out, r] and
 *  `<m>.weight_lr_down` [r, in] in the input dtype; W = lr_up·lr_down + deq(residual)·diag(1/smooth). */
export const register = (quantize: Command): void => {
  sharedOptions(quantize.command('svdquant')
    .description('SVDQuant: smooth by activation scales, keep a 16-bit low-rank branch, quantize the residual to k bits.')
    .argument('<model>', 'model directory or .safetensors file')
    .option('--bits <k>', 'bits of the residual (2…8)', '4')
    .option('--rank <r>', 'rank of the low-rank branch', '32')
    .option('--group <n>', 'columns per scale group of the residual', '64')
    .option('--alpha <a>', 'smoothing migration strength in [0, 1]', '0.5'))
    .addHelpText('after', '\nExample:\n  $ lr quantize svdquant examples/tinyllama-base --bits 4 --rank 32 --calib calib_code.safetensors --out tiny-svdquant')
    .action(async (model: string, f: { bits: string; rank: string; group: string; alpha: string; calib?: string; out: string }) => {
      const bits = intFlag(UsageError, '--bits', f.bits, 2, 8)!, rank = intFlag(UsageError, '--rank', f.rank, 1)!, group = intFlag(UsageError, '--group', f.group, 1)!
      const alpha = Number(f.alpha)
      if (!(alpha >= 0 && alpha <= 1)) throw new UsageError(`--alpha must be in [0, 1], got "${f.alpha}"`)
      if (!f.calib) throw new UsageError('svdquant needs --calib <Σ x·xᵀ file> (the smoothing uses the activation scales)')
      const method: QuantizeMethod = {
        name: 'svdquant', format: 'svdquant-v1', params: { bits, groupSize: group, isSymmetric: true, rank, alpha, bitOrder: 'lsb-first' }, needsCalib: true,
        check: (name, out, inDim) => {
          checkIntShape('quantize svdquant', name, inDim, bits)
          if (rank > Math.min(out, inDim)) throw new InvalidArgument('quantize svdquant', '--rank', `${rank} exceeds min(out, in) = ${Math.min(out, inDim)} of "${name}"`)
        },
        specs: (m, out, inDim, dt) => [...intSpecs(m, out, inDim, bits, group), { name: `${m}.weight_smooth`, dtype: 'F32', shape: [inDim] },
          { name: `${m}.weight_lr_up`, dtype: dt, shape: [out, rank] }, { name: `${m}.weight_lr_down`, dtype: dt, shape: [rank, inDim] }],
        quantize: (m, w, dt, cov) => {
          const q = svdQuant(w, cov!, { rank, bits, groupSize: group, alpha })
          const [out, inDim] = q.residual.shape
          const up = roundTo(dt, `${m}.weight_lr_up`, [out, rank], q.lowRankUp.data), down = roundTo(dt, `${m}.weight_lr_down`, [rank, inDim], q.lowRankDown.data)
          const effective = svdQuantDense({ ...q, lowRankUp: matrix(up.values, out, rank), lowRankDown: matrix(down.values, rank, inDim) }).data
          return { tensors: [...intTensors(m, q.residual), { name: `${m}.weight_smooth`, dtype: 'F32', shape: [inDim], data: q.smooth }, up.tensor, down.tensor], effective }
        },
      }
      await runQuantize(model, method, parseShared(f))
    })
}
