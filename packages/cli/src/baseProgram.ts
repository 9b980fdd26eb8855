import { Command } from 'commander'

/** The `lr` program with no sub-command registered yet (name, description, version, error handling). */
export const baseProgram = (): Command =>
  new Command('lr')
    .description('Low-rank and low-bit surgery on neural-network weights: safetensors, SVD, LoRA, quantization.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
