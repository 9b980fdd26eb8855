import type { Command } from 'commander'
import { UsageError } from '../../runtime.js'
import { intFlag } from '../../modelSurgery.js'
import type { QuantizeFlags } from '../../quantizeRunner.js'

/** Options every `lr quantize` method of @lr/quant shares. */
export const sharedOptions = (c: Command): Command => c
  .option('--calib <file>', 'Σ x·xᵀ per module input (needed by --eora and svdquant; also reports calibrated errors)')
  .option('--eora <r>', 'add an EoRA compensation branch of rank r (needs --calib)')
  .option('--dense', 'write a complete model directory in the input dtype (dequantized) instead of the packed format')
  .option('--eval <bytes.u8>', 'loss of the quantized model on an eval file (the exact dequantized weights)')
  .option('--json', 'print one JSON document on stdout')
  .requiredOption('--out <dir>', 'output directory (built as <dir>.partial, renamed at the end)')

export const parseShared = (f: { out: string; dense?: boolean; eval?: string; json?: boolean; calib?: string; eora?: string }): QuantizeFlags => {
  const eora = intFlag(UsageError, '--eora', f.eora, 1)
  if (eora !== undefined && !f.calib) throw new UsageError('--eora needs --calib <Σ x·xᵀ file>')
  return { out: f.out, ...(f.dense ? { dense: true } : {}), ...(f.eval ? { eval: f.eval } : {}), ...(f.json ? { json: true } : {}), ...(f.calib ? { calib: f.calib } : {}), ...(eora !== undefined ? { eora } : {}) }
}
