import { Option, type Command } from 'commander'
import { pipe } from 'fp-ts/lib/function.js'
import { resizeLora } from '@lr/adapters'
import { readLoraAdapter } from '@lr/adapters/node'
import { loraModules, mapTensor, type AdapterEntry } from '@lr/pipeline'
import { writeLoraAdapter } from '@lr/pipeline/node'
import { UsageError } from '../../runtime.js'
import { addRuleFlags, emit, pct, positiveInt, reporter, ruleFromFlags, unwrap, DEFAULT_MAX_RANK, type RuleFlags } from '../lora.js'

interface ResizeFlags extends RuleFlags { readonly rank?: number; readonly format?: 'peft' | 'kohya'; readonly dtype: 'F32' | 'BF16' | 'F16'; readonly out: string; readonly json?: boolean }

/** `lr lora resize`: a pipeline loraModules(adapter) → mapTensor(resizeLora) → writeLoraAdapter. */
export const registerResize = (lora: Command): void => {
  addRuleFlags(lora.command('resize')
    .description('lower the rank of a LoRA without forming ΔW (QR of B and Aᵀ, SVD of the r×r core); PEFT dir or kohya file; modules_to_save pass through')
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
      const resize = (e: AdapterEntry): AdapterEntry => {
        if (e.type === 'saved') return e
        const m = adapter.modules.get(e.name)!
        const r = resizeLora(m, { rank: o.rank ?? DEFAULT_MAX_RANK, rule })
        return { type: 'lora', name: e.name, lora: { a: r.a, b: r.b, scaling: r.scaling, fanInFanOut: m.fanInFanOut, kind: m.kind }, report: { module: m.module, from: m.rank, to: r.rank, relativeError: r.relativeError } }
      }
      const { r: _r, lora_alpha: _a, rank_pattern: _rp, alpha_pattern: _ap, use_rslora, extra, ...keep } = adapter.config
      const progress = reporter(o.json === true)
      try {
        const written = await unwrap(pipe(loraModules(adapter), mapTensor(resize, { stage: 'resize' }), writeLoraAdapter(o.out, {
          format: o.format ?? format, dtype: o.dtype, useRslora: use_rslora, config: { ...keep, extra }, label: 'resize', onProgress: (e) => progress.update(e),
        })))
        progress.stop()
        const report = written.reports as { module: string; from: number; to: number; relativeError: number }[]
        emit(o.json === true, { out: written.out, format: o.format ?? format, modules: report }, () => [
          ...report.map((m) => `${m.module.padEnd(40)} rank ${m.from} → ${m.to}  rel. error ${pct(m.relativeError)}`),
          `wrote ${written.out}`,
        ])
      } finally { progress.stop() }
    })
}
