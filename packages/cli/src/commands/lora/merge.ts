import { Option, type Command } from 'commander'
import { pipe } from 'fp-ts/lib/function.js'
import { combineLoras, type LoraAdapter } from '@lr/adapters'
import { readLoraAdapter, modelSideFiles, planMerge } from '@lr/adapters/node'
import { fromTensors, mapTensor, mergeAdapters, mergedDtype, type AdapterEntry } from '@lr/pipeline'
import { readCheckpoint, readCheckpointInfo, writeCheckpoint, writeLoraAdapter } from '@lr/pipeline/node'
import { UsageError } from '../../runtime.js'
import { addRuleFlags, collect, emit, finiteNumber, pct, positiveInt, reporter, ruleFromFlags, unwrap, DEFAULT_MAX_RANK, type RuleFlags } from '../lora.js'
import { evalLoss } from './evalLoss.js'

interface MergeFlags extends RuleFlags {
  readonly model?: string; readonly adapter: string[]; readonly weight?: number[]; readonly rank?: number
  readonly dtype: 'same' | 'F32' | 'BF16' | 'F16'; readonly format: 'peft' | 'kohya'; readonly out: string; readonly json?: boolean; readonly eval?: string
}

/** `lr lora merge`: with --model, a pipeline readCheckpoint(base) → mapTensor(mergeAdapters(plan)) → writeCheckpoint;
 *  without, combined modules (one SVD each) → writeLoraAdapter. */
export const registerMerge = (lora: Command): void => {
  addRuleFlags(lora.command('merge')
    .description('merge adapters into a model (W + Σ wᵢ·sᵢ·BᵢAᵢ, PEFT semantics), or without --model combine them into one adapter of --rank')
    .option('--model <path>', 'base model to merge into (writes a complete model directory)')
    .requiredOption('--adapter <path>', 'adapter (PEFT dir or kohya file); repeat for several', collect((v: string) => v), [])
    .option('--weight <w>', 'weight of the adapter at the same position; repeat (default 1 each)', collect(finiteNumber('--weight')))
    .option('--rank <r>', 'without --model: rank of the combined adapter', positiveInt('--rank')))
    .addOption(new Option('--dtype <dtype>', 'dtype of merged weights (same: as the base tensor)').choices(['same', 'F32', 'BF16', 'F16']).default('same'))
    .addOption(new Option('--format <fmt>', 'without --model: output adapter format').choices(['peft', 'kohya']).default('peft'))
    .requiredOption('--out <path>', 'output model directory (with --model) or adapter')
    .option('--eval <bytes>', 'with --model: evaluate the merged model on these byte rows with @lr/pipeline')
    .option('--json', 'print one JSON summary, no progress')
    .addHelpText('after', '\nExamples:\n  $ lr lora merge --model ./base --adapter ./lora --out ./merged --eval ./eval_prose.u8\n  $ lr lora merge --model ./base --adapter ./a --weight 0.7 --adapter ./b --weight 0.3 --out ./merged\n  $ lr lora merge --adapter ./a --adapter ./b --rank 16 --out ./combined')
    .action(async (o: MergeFlags) => {
      if (o.adapter.length === 0) throw new UsageError('give at least one --adapter')
      const weights = o.weight ?? o.adapter.map(() => 1)
      if (weights.length !== o.adapter.length) throw new UsageError(`${o.adapter.length} --adapter but ${weights.length} --weight: give one weight per adapter, or none`)
      const adapters: LoraAdapter<Float32Array>[] = []
      for (const p of o.adapter) adapters.push((await unwrap(readLoraAdapter(p))).adapter)
      const progress = reporter(o.json === true)
      try {
        if (o.model !== undefined) {
          const info = await unwrap(readCheckpointInfo(o.model))
          const plan = planMerge(info.tensors, adapters.map((adapter, i) => ({ adapter, weight: weights[i]! })), info.path)
          const specs = info.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: plan.has(t.name) ? mergedDtype(t.dtype, o.dtype) : t.dtype }))
          const res = await unwrap(pipe(
            readCheckpoint(o.model),
            mapTensor(mergeAdapters(plan, { dtype: o.dtype }), { stage: 'merge' }),
            writeCheckpoint(o.out, { specs, metadata: { format: 'pt' }, maxShardBytes: 5e9, extraFiles: await modelSideFiles(o.model), label: 'merge', onProgress: (e) => progress.update(e) }),
          ))
          progress.stop()
          const mergedModules = info.tensors.filter((t) => plan.has(t.name)).map((t) => t.name.slice(0, t.name.lastIndexOf('.')))
          const summary = { dir: o.out, files: res.files, mergedModules, bytes: res.totalBytes }
          const evaluation = o.eval !== undefined ? await evalLoss(o.out, o.eval, progress) : undefined
          emit(o.json === true, { ...summary, ...(evaluation ? { eval: evaluation } : {}) }, () => [`merged ${mergedModules.length} modules from ${adapters.length} adapter(s) into ${summary.dir} (${summary.files.length} file(s))`,
            ...(evaluation ? [`eval loss (merged) on ${o.eval}: ${evaluation.loss.toFixed(5)} nats/byte over ${evaluation.tokens} tokens`] : [])])
          return
        }
        const rule = ruleFromFlags(o)
        if (o.rank === undefined && rule.kind === 'fixed') throw new UsageError('without --model, give --rank (or a dynamic rule) for the combined adapter, or --model to merge into a model')
        if (adapters.some((a) => (a.modulesToSave?.size ?? 0) > 0)) throw new UsageError('an adapter has modules_to_save (whole tensors), which cannot be combined into one low-rank adapter; merge it into the model with --model')
        const names = [...new Set(adapters.flatMap((a) => [...a.modules.keys()]))]
        const combine = ({ name }: { name: string }): AdapterEntry => {
          const present = adapters.map((a, k) => ({ m: a.modules.get(name), w: weights[k]! })).filter((x) => x.m !== undefined)
          const res = combineLoras(present.map((x) => x.m!), { weights: present.map((x) => x.w), rank: o.rank ?? DEFAULT_MAX_RANK, rule })
          return { type: 'lora', name, lora: res, report: { module: name, rank: res.rank, relativeError: res.relativeError } }
        }
        const written = await unwrap(pipe(fromTensors(names.map((name) => ({ name }))), mapTensor(combine, { stage: 'combine' }), writeLoraAdapter(o.out, { format: o.format, dtype: 'F32', config: { task_type: 'CAUSAL_LM' }, label: 'combine', onProgress: (e) => progress.update(e) })))
        progress.stop()
        const report = written.reports as { module: string; rank: number; relativeError: number }[]
        emit(o.json === true, { out: written.out, modules: report }, () => [
          ...report.map((m) => `${m.module.padEnd(40)} rank ${m.rank}  rel. error ${pct(m.relativeError)}`), `wrote ${written.out}`])
      } finally { progress.stop() }
    })
}
