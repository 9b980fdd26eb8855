import { Option, type Command } from 'commander'
import { initFromCheckpoint, METHOD_TENSOR_INITS, type InitMethod } from '@lr/adapters/node'
import { UsageError } from '../../runtime.js'
import { runLoftq } from './loftq.js'
import { emit, parseTargets, positiveInt, finiteNumber, reporter, unwrap } from '../lora.js'

const METHODS = ['loftq', 'lora', 'gaussian', 'pissa', 'olora', 'milora', 'corda', 'eva', 'lora-fa', ...METHOD_TENSOR_INITS] as const

interface InitFlags {
  readonly model: string; readonly rank: number; readonly alpha?: number; readonly rslora?: boolean; readonly targets?: string
  readonly calib?: string; readonly niter?: number; readonly cordaMode?: 'ipm' | 'kpm'; readonly rho?: number; readonly whiten?: boolean
  readonly seed?: number; readonly residualDtype?: 'same' | 'F32' | 'BF16' | 'F16'; readonly out: string; readonly json?: boolean
  readonly bits?: number; readonly iters?: number; readonly dense?: boolean; readonly eval?: string; readonly saltLoraRank?: number
}

const methodSpec = (method: string, o: InitFlags): InitMethod => {
  switch (method) {
    case 'lora': case 'gaussian': case 'olora': case 'milora': case 'lora-fa': return { method }
    case 'kasa': case 'sorsa': case 'svfit': case 'qr-lora': case 'nlora': case 'soka': return { method }
    case 'salt': return o.saltLoraRank === undefined ? { method } : { method, loraRank: o.saltLoraRank }
    case 'pissa': return o.niter === undefined ? { method } : { method, niter: o.niter }
    case 'corda': return { method, mode: o.cordaMode ?? 'ipm' }
    case 'eva': return { method, ...(o.rho !== undefined ? { rho: o.rho } : {}), whiten: o.whiten ?? false }
    default: throw new UsageError(`unknown init method "${method}": use one of ${METHODS.join(', ')}`)
  }
}

/** `lr lora init <method>` */
export const registerInit = (lora: Command): void => {
  lora.command('init')
    .description('initialize a LoRA for a model (writes OUT/adapter, and OUT/residual_model when the method changes the base). '
      + `PEFT adapter dir for lora, gaussian, pissa, olora, milora, corda, eva, lora-fa (A frozen: a plain LoRA to PEFT), loftq; `
      + `${METHOD_TENSOR_INITS.join(', ')} have no PEFT format: their adapter_model.safetensors uses lr's methodTensors key scheme `
      + '(docs/lora-init.md; adapter_config.json has lr_method and lr_key_scheme) and PEFT cannot load it')
    .argument('<method>', `init method: ${METHODS.join(', ')}`)
    .requiredOption('--model <path>', 'model checkpoint (file, directory or sharded directory)')
    .requiredOption('--rank <r>', 'LoRA rank', positiveInt('--rank'))
    .option('--alpha <a>', 'LoRA alpha (default: the rank, scaling 1)', finiteNumber('--alpha'))
    .option('--rslora', 'rsLoRA scaling alpha/√r (PEFT use_rslora)')
    .option('--targets <list>', 'modules to adapt: q_proj,v_proj,… or all-linear', 'all-linear')
    .option('--calib <file>', 'calibration statistics Σ x·xᵀ per module input (corda, eva)')
    .option('--niter <n>', 'pissa: fast init by randomized SVD with n power iterations (PEFT pissa_niter_n)', positiveInt('--niter'))
    .addOption(new Option('--corda-mode <mode>', 'corda: ipm (largest components) or kpm (smallest)').choices(['ipm', 'kpm']))
    .option('--rho <rho>', 'eva: each module may get up to round(r·rho) (default 2)', finiteNumber('--rho'))
    .option('--whiten', 'eva: whiten the components')
    .option('--salt-lora-rank <r>', 'salt: rank of the LoRA on the rest (default: --rank, the number of scaled singular values)', positiveInt('--salt-lora-rank'))
    .option('--seed <n>', 'seed of random inits and randomized SVDs', finiteNumber('--seed'), 0)
    .addOption(new Option('--residual-dtype <dtype>', 'dtype of changed weights in the residual model').choices(['same', 'F32', 'BF16', 'F16']).default('same'))
    .option('--bits <k>', 'loftq: bits of the quantized base (4: NF4)', positiveInt('--bits'), 4)
    .option('--iters <n>', 'loftq: alternating iterations (PEFT loftq_iter)', positiveInt('--iters'), 1)
    .option('--dense', 'loftq: write the dequantized base as a dense model instead of packed NF4')
    .option('--eval <bytes.u8>', 'loftq: loss of the NF4 base alone and with the adapter')
    .requiredOption('--out <dir>', 'output directory')
    .option('--json', 'print one JSON summary, no progress')
    .addHelpText('after', '\nExamples:\n  $ lr lora init pissa --model ./base --rank 16 --targets q_proj,v_proj --out ./pissa-r16\n  $ lr lora init corda --model ./base --rank 8 --calib ./calib.safetensors --corda-mode kpm --out ./corda\n  $ lr lora init eva --model ./base --rank 8 --calib ./calib.safetensors --out ./eva\n  $ lr lora init loftq --model ./base --bits 4 --rank 16 --iters 1 --out ./loftq\n  $ lr lora init lora-fa --model ./base --rank 16 --targets q_proj,v_proj --out ./lora-fa\n  $ lr lora init sorsa --model ./base --rank 8 --targets q_proj --out ./sorsa    # methodTensors keys + residual_model\n  $ lr lora init salt --model ./base --rank 8 --salt-lora-rank 4 --out ./salt\n  $ lr lora init soka --model ./base --rank 4 --targets q_proj --out ./soka')
    .action(async (method: string, o: InitFlags) => {
      if (method === 'loftq') {
        await runLoftq({ model: o.model, rank: o.rank, bits: o.bits ?? 4, iters: o.iters ?? 1, targets: parseTargets(o.targets), out: o.out,
          ...(o.dense ? { dense: true } : {}), ...(o.eval !== undefined ? { eval: o.eval } : {}), ...(o.json ? { json: true } : {}) })
        return
      }
      const spec = methodSpec(method, o)
      const progress = reporter(o.json === true)
      try {
        const res = await unwrap(initFromCheckpoint(o.model, spec, o.out, {
          rank: o.rank, ...(o.alpha !== undefined ? { alpha: o.alpha } : {}), useRslora: o.rslora === true,
          targets: parseTargets(o.targets), seed: o.seed ?? 0, ...(o.calib !== undefined ? { calibPath: o.calib } : {}),
          residualDtype: o.residualDtype ?? 'same', onProgress: (e) => progress.update(e),
        }))
        progress.stop()
        const ranks = res.modules.map((m) => m.rank)
        emit(o.json === true, { method, ...res }, () => [
          `${method}: ${res.modules.length} modules, rank ${Math.min(...ranks)}${Math.max(...ranks) !== Math.min(...ranks) ? `–${Math.max(...ranks)}` : ''}, total rank ${ranks.reduce((a, b) => a + b, 0)}`,
          `adapter: ${res.adapterDir}`,
          ...(res.residualDir !== undefined ? [`residual model: ${res.residualDir}`] : []),
        ])
      } finally { progress.stop() }
    })
}
