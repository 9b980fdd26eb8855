import { Option, type Command } from 'commander'
import { extractLoraFromCheckpoints, writePeftAdapterDir, writeKohyaFile } from '@lr/adapters/node'
import { join } from 'node:path'
import { UsageError } from '../../runtime.js'
import { evalLoss } from './evalLoss.js'
import { addRuleFlags, emit, parseTargets, pct, positiveInt, finiteNumber, reporter, ruleFromFlags, unwrap, DEFAULT_MAX_RANK, type RuleFlags } from '../lora.js'

interface ExtractFlags extends RuleFlags {
  readonly base: string; readonly tuned: string; readonly rank?: number; readonly format: 'peft' | 'kohya'; readonly targets?: string
  readonly svd: 'auto' | 'exact' | 'randomized'; readonly seed: number; readonly dtype: 'F32' | 'BF16' | 'F16'; readonly out: string; readonly json?: boolean; readonly eval?: string
}

/** `lr lora extract` */
export const registerExtract = (lora: Command): void => {
  addRuleFlags(lora.command('extract')
    .description('extract a LoRA from (base, tuned) by truncated SVD of ΔW per module, one module pair in memory at a time')
    .requiredOption('--base <path>', 'base checkpoint')
    .requiredOption('--tuned <path>', 'fine-tuned checkpoint (same architecture)')
    .option('--rank <r>', `rank (with a dynamic rule: its upper bound, default ${DEFAULT_MAX_RANK})`, positiveInt('--rank')))
    .addOption(new Option('--format <fmt>', 'output format').choices(['peft', 'kohya']).default('peft'))
    .option('--targets <list>', 'modules: q_proj,v_proj,… or all-linear (no embeddings, no lm_head)', 'all-linear')
    .addOption(new Option('--svd <kind>', 'SVD: auto (randomized when both dims > 2048), exact, randomized').choices(['auto', 'exact', 'randomized']).default('auto'))
    .option('--seed <n>', 'seed of the randomized SVD', finiteNumber('--seed'), 0)
    .addOption(new Option('--dtype <dtype>', 'storage dtype of A and B').choices(['F32', 'BF16', 'F16']).default('F32'))
    .requiredOption('--out <path>', 'output: adapter directory (peft); kohya: a .safetensors file, or a directory that gets lora.safetensors')
    .option('--eval <bytes>', 'after extracting (peft format), evaluate base + adapter (unmerged) on these byte rows with @lr/pipeline')
    .option('--json', 'print one JSON summary, no progress')
    .addHelpText('after', '\nExamples:\n  $ lr lora extract --base ./base --tuned ./tuned --rank 16 --out ./extracted --eval ./eval_prose.u8\n  $ lr lora extract --base ./base --tuned ./tuned --energy 0.9 --rank 64 --format kohya --out ./kohya')
    .action(async (o: ExtractFlags) => {
      const rule = ruleFromFlags(o)
      if (rule.kind === 'fixed' && o.rank === undefined) throw new UsageError('give --rank r, or a dynamic rule (--energy e …) with an optional --rank bound')
      if (o.eval !== undefined && o.format !== 'peft') throw new UsageError('--eval needs --format peft (the evaluator applies PEFT adapters unmerged)')
      const rank = o.rank ?? DEFAULT_MAX_RANK
      const progress = reporter(o.json === true)
      try {
        const res = await unwrap(extractLoraFromCheckpoints(o.base, o.tuned, {
          rank, rule, targets: parseTargets(o.targets), svd: o.svd, seed: o.seed, onProgress: (e) => progress.update(e),
        }))
        progress.stop()
        const out = o.format === 'peft'
          ? (await unwrap(writePeftAdapterDir(o.out, res.adapter, { dtype: o.dtype }))).dir
          : (await unwrap(writeKohyaFile(o.out.endsWith('.safetensors') ? o.out : join(o.out, 'lora.safetensors'), res.adapter, { dtype: o.dtype }))).file
        const evaluation = o.eval !== undefined ? await evalLoss(o.base, o.eval, progress, out) : undefined
        emit(o.json === true, { out, format: o.format, totalRelativeError: res.totalRelativeError, largestPairBytes: res.largestPairBytes, modules: res.modules, ...(evaluation ? { eval: evaluation } : {}) }, () => [
          ...res.modules.map((m) => `${m.module.padEnd(40)} [${m.shape.join('×')}] rank ${String(m.rank).padStart(4)}  rel. error ${pct(m.relativeError)}`),
          `total relative Frobenius error of ΔW: ${pct(res.totalRelativeError)} over ${res.modules.length} modules`,
          `wrote ${o.format} adapter: ${out}`,
          ...(evaluation ? [`eval loss (base + extracted adapter) on ${o.eval}: ${evaluation.loss.toFixed(5)} nats/byte over ${evaluation.tokens} tokens`] : []),
        ])
      } finally { progress.stop() }
    })
}
