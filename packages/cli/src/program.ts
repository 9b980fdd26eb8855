import { Command } from 'commander'
import { commands } from './commands/index.js'

/** The `lr` program with every sub-command registered (no side effects until parsed). */
export const buildProgram = (): Command => {
  const program = new Command('lr')
    .description('Low-rank and low-bit surgery on neural-network weights: safetensors, SVD, LoRA, quantization.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
  for (const register of commands) register(program)
  return program
}
