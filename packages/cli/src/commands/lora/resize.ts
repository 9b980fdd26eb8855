import { Option, type Command } from 'commander'
import { resizeLora, loraAdapterFromModules, type LoraPair } from '@lr/adapters'
import { readLoraAdapter } from '@lr/adapters/node'
import { UsageError } from '../../runtime.js'
import { addRuleFlags, emit, pct, positiveInt, reporter, ruleFromFlags, unwrap, DEFAULT_MAX_RANK, type RuleFlags } from '../lora.js'
import { writeAdapter } from './io.js'

interface ResizeFlags extends RuleFlags { readonly rank?: number; readonly format?: 'peft' | 'kohya'; readonly dtype: 'F32' | 'BF16' | 'F16'; readonly out: string; readonly json?: boolean }

/** `lr lora resize` */
export const registerResize = (lora: Command): void => {
  addRuleFlags(lora.command('resize')
    .description('lower the rank of a LoRA without forming ΔW (QR of B and Aᵀ, SVD of the r×r core); PEFT dir or kohya file')
    .argument('<in>', 'adapter: PEFT directory or kohya .safetensors')
    .option('--rank <r>', `new rank (with a dynamic rule: its upper bound, default ${DEFAULT_MAX_RANK})`, positiveInt('--rank')))
    .addOption(new Option('--format <fmt>', 'output format (default: the input format)').choices(['peft', 'kohya']))
    .addOption(new Option('--dtype <dtype>', 'storage dtype of A and B').choices(['F32', 'BF16', 'F16']).default('F32'))
    .requiredOption('--out <path>', 'output adapter (directory for peft, .safetensors or directory for kohya)')
    .option('--json', 'print one JSON summary, no progress')
    .addHelpText('after', '\nExamples:\n  $ lr lora resize ./lora-r64 --rank 16 --out ./lora-r16\n  $ lr lora resize ./lora.safetensors --frobenius 0.9 --rank 32 --out ./small.safetensors')
    .action(async (input: string, o: ResizeFlags) => {
      const rule = ruleFromFlags(o)
      if (rule.kind === 'fixed' && o.rank === undefined) throw new UsageError('give --rank r, or a dynamic rule (--energy e …) with an optional --rank bound')
      const { adapter, format } = await unwrap(readLoraAdapter(input))
      const progress = reporter(o.json === true)
      const pairs = new Map<string, LoraPair & { fanInFanOut: boolean }>()
      const report: { module: string; from: number; to: number; relativeError: number }[] = []
      try {
        let i = 0
        for (const m of adapter.modules.values()) {
          progress.update({ stage: 'resize', done: i++, total: adapter.modules.size, item: m.module })
          const r = resizeLora(m, { rank: o.rank ?? DEFAULT_MAX_RANK, rule })
          pairs.set(m.module, { a: r.a, b: r.b, scaling: r.scaling, fanInFanOut: m.fanInFanOut })
          report.push({ module: m.module, from: m.rank, to: r.rank, relativeError: r.relativeError })
        }
        progress.stop()
      } finally { progress.stop() }
      const { r: _r, lora_alpha: _a, rank_pattern: _rp, alpha_pattern: _ap, use_rslora, extra, ...keep } = adapter.config
      const out = loraAdapterFromModules(pairs, { useRslora: use_rslora, config: { ...keep, extra } })
      const written = await writeAdapter(o.out, out, o.format ?? format, o.dtype)
      emit(o.json === true, { out: written, format: o.format ?? format, modules: report }, () => [
        ...report.map((m) => `${m.module.padEnd(40)} rank ${m.from} → ${m.to}  rel. error ${pct(m.relativeError)}`),
        `wrote ${written}`,
      ])
    })
}
