import { Option, type Command } from 'commander'
import { pipe } from 'fp-ts/lib/function.js'
import { InvalidArgument } from '@lr/svd'
import { checkExtractPair, isEmbeddingModule, linearModules } from '@lr/adapters/node'
import { ModuleError } from '@lr/adapters'
import { concat, extractLoraModule, type AdapterEntry, mapTensor, savedModule, select, subtractTensors, zipWith, type ExtractedModuleReport } from '@lr/pipeline'
import { readCheckpoint, readCheckpointInfo, writeLoraAdapter } from '@lr/pipeline/node'
import { UsageError } from '../../runtime.js'
import { evalLoss } from './evalLoss.js'
import { calibratedEntries, calibratedReport } from './calibrate.js'
import { toFloat32 } from '@lr/io-safetensors'
import { deviceOption, gpuOperator, withDevice, type Device } from '../../device.js'
import { addRuleFlags, emit, parseTargets, pct, positiveInt, finiteNumber, reporter, ruleFromFlags, unwrap, DEFAULT_MAX_RANK, type RuleFlags } from '../lora.js'

interface ExtractFlags extends RuleFlags {
  readonly base: string; readonly tuned: string; readonly rank?: number; readonly format: 'peft' | 'kohya'; readonly targets?: string; readonly modulesToSave?: string
  readonly svd: 'auto' | 'exact' | 'randomized'; readonly seed: number; readonly dtype: 'F32' | 'BF16' | 'F16'; readonly out: string; readonly json?: boolean; readonly eval?: string; readonly device: Device
  readonly calibrate?: string; readonly calibRows: number; readonly calibSeed: number
}

type Tensors = Parameters<typeof linearModules>[0]

/** The modules `--targets` selects: PEFT target_modules semantics, plus `all-linear` combined with named extras
 *  (`all-linear,embed_tokens,lm_head`), in checkpoint order. */
export const targetModules = (tensors: Tensors, spec: string | undefined): ReturnType<typeof linearModules> => {
  const t = parseTargets(spec)
  if (typeof t === 'string') return linearModules(tensors, t)
  const extra = t.filter((x) => x !== 'all-linear')
  const chosen = new Set([...(t.includes('all-linear') ? linearModules(tensors, 'all-linear') : []), ...(extra.length > 0 ? linearModules(tensors, extra) : [])].map((m) => m.module))
  return linearModules(tensors, '.*').filter((m) => chosen.has(m.module))
}

/** The tensors of the modules `--modules-to-save` names (PEFT semantics: the whole module name or a `.`-suffix). */
export const savedTensorNames = (tensors: Tensors, list: readonly string[]): string[] =>
  tensors.map((t) => t.name).filter((n) => {
    const module = n.slice(0, Math.max(0, n.lastIndexOf('.')))
    return list.some((m) => module === m || module.endsWith(`.${m}`))
  })

/** `lr lora extract`: a pipeline — readCheckpoint(base) → select(targets) → zipWith(tuned, tuned − base) →
 *  extractLoraModule (@lr/adapters' truncated SVD) [+ savedModule for --modules-to-save] → writeLoraAdapter. */
export const registerExtract = (lora: Command): void => {
  addRuleFlags(lora.command('extract')
    .description('extract a LoRA from (base, tuned) by truncated SVD of ΔW per module, one module pair in memory at a time; embeddings get PEFT embedding LoRAs, and changed norms / small tensors can ride along whole as PEFT modules_to_save')
    .requiredOption('--base <path>', 'base checkpoint')
    .requiredOption('--tuned <path>', 'fine-tuned checkpoint (same architecture)')
    .option('--rank <r>', `rank (with a dynamic rule: its upper bound, default ${DEFAULT_MAX_RANK})`, positiveInt('--rank')))
    .addOption(new Option('--format <fmt>', 'output format').choices(['peft', 'kohya']).default('peft'))
    .option('--targets <list>', 'modules: q_proj,v_proj,…, all-linear (no embeddings, no lm_head), or all-linear plus extras, e.g. all-linear,embed_tokens,lm_head (embed_tokens becomes PEFT lora_embedding_A/B)', 'all-linear')
    .option('--modules-to-save <list>', 'modules stored whole from the tuned model (PEFT modules_to_save), e.g. input_layernorm,post_attention_layernorm,norm or lm_head (peft format only)')
    .addOption(new Option('--svd <kind>', 'SVD: auto (randomized when both dims > 2048), exact, randomized').choices(['auto', 'exact', 'randomized']).default('auto'))
    .option('--seed <n>', 'seed of the randomized SVD', finiteNumber('--seed'), 0)
    .addOption(new Option('--dtype <dtype>', 'storage dtype of A and B').choices(['F32', 'BF16', 'F16']).default('F32'))
    .requiredOption('--out <path>', 'output: adapter directory (peft); kohya: a .safetensors file, or a directory that gets lora.safetensors')
    .option('--eval <bytes>', 'after extracting (peft format), evaluate base + adapter (unmerged) on these byte rows with @lr/pipeline')
    .option('--calibrate <self|file>', 'data-aware extraction of the Llama projections and lm_head (sequential output matching, see docs/lora-extract.md): calibration text sampled from the tuned model (self) or read from a file of raw bytes; rows of min(256, max_position_embeddings) bytes')
    .option('--calib-rows <n>', 'calibration rows (sampled with --calibrate self; at most this many from a file)', positiveInt('--calib-rows'), 64)
    .option('--calib-seed <n>', 'seed of --calibrate self\'s sampling (temperature 1, prompt "\\n")', finiteNumber('--calib-seed'), 0)
    .option('--json', 'print one JSON summary, no progress')
    .addOption(deviceOption('the randomized SVD\'s products; --svd auto means randomized, exact is CPU-only'))
    .addHelpText('after', '\nExamples:\n  $ lr lora extract --base ./base --tuned ./tuned --rank 16 --out ./extracted --eval ./eval_prose.u8\n  $ lr lora extract --base ./base --tuned ./tuned --rank 64 --device gpu --out ./extracted\n  $ lr lora extract --base ./base --tuned ./tuned --rank 64 --targets all-linear,embed_tokens,lm_head --modules-to-save input_layernorm,post_attention_layernorm,norm --out ./lora-full\n  $ lr lora extract --base ./base --tuned ./tuned --rank 64 --targets all-linear,embed_tokens,lm_head --modules-to-save input_layernorm,post_attention_layernorm,norm --calibrate self --out ./lora-cal --eval ./eval_prose.u8\n  $ lr lora extract --base ./base --tuned ./tuned --energy 0.9 --rank 64 --format kohya --out ./kohya')
    .action(async (o: ExtractFlags) => {
      const rule = ruleFromFlags(o)
      if (rule.kind === 'fixed' && o.rank === undefined) throw new UsageError('give --rank r, or a dynamic rule (--energy e …) with an optional --rank bound')
      if (o.eval !== undefined && o.format !== 'peft') throw new UsageError('--eval needs --format peft (the evaluator applies PEFT adapters unmerged)')
      const toSave = o.modulesToSave === undefined ? [] : o.modulesToSave.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
      if (o.modulesToSave !== undefined && toSave.length === 0) throw new UsageError('--modules-to-save needs module names, e.g. --modules-to-save norm,input_layernorm')
      if (toSave.length > 0 && o.format !== 'peft') throw new UsageError('--modules-to-save needs --format peft (kohya files have no modules_to_save)')
      const rank = o.rank ?? DEFAULT_MAX_RANK
      if (o.device === 'gpu' && o.svd === 'exact') throw new UsageError('--svd exact has no GPU kernel: use --svd randomized (or auto) with --device gpu, or --device cpu')
      // Everything is checked from the headers before any tensor is read: same tensors, shapes, rank ≤ min(out, in).
      const [bi, ti] = [await unwrap(readCheckpointInfo(o.base)), await unwrap(readCheckpointInfo(o.tuned))]
      const modules = targetModules(bi.tensors, o.targets)
      if (modules.length === 0) throw new InvalidArgument('extractLoraFromCheckpoints', 'targets', `no linear module of ${o.base} matches ${JSON.stringify(o.targets ?? 'all-linear')}`)
      checkExtractPair(bi, ti, modules, rank, rule.kind === 'fixed')
      const embedding = modules.find((m) => isEmbeddingModule(m.module))
      if (embedding !== undefined && o.format === 'kohya') throw new UsageError(`--targets selects the embedding table ${embedding.module}, whose LoRA (PEFT lora_embedding_A/B) has no kohya form: use --format peft, or leave it out of --targets`)
      const loraNames = new Set(modules.map((m) => m.tensor.name))
      const saved = new Set(savedTensorNames(bi.tensors, toSave).filter((n) => !loraNames.has(n)))
      if (toSave.length > 0 && saved.size === 0) throw new UsageError(`--modules-to-save ${o.modulesToSave}: no tensor of ${o.base} belongs to these modules (or they are LoRA targets already)`)
      const tunedShape = new Map(ti.tensors.map((t) => [t.name, t]))
      for (const n of saved) {
        const b = bi.tensors.find((t) => t.name === n)!, t = tunedShape.get(n)
        if (t === undefined || t.shape.join() !== b.shape.join())
          throw new ModuleError(t === undefined ? 'missing-tensor' : 'shape-mismatch', n.replace(/\.[^.]+$/, ''), `${o.base} has "${n}" [${b.shape.join(', ')}] but ${o.tuned} ${t === undefined ? 'does not' : `has [${t.shape.join(', ')}]`}; base and tuned must be the same architecture`)
      }
      if (o.calibrate !== undefined) {
        if (o.format !== 'peft') throw new UsageError('--calibrate needs --format peft')
        if (rule.kind !== 'fixed') throw new UsageError('--calibrate extracts at a fixed --rank; drop the dynamic rule (--energy …)')
        if (o.device === 'gpu') throw new UsageError('--calibrate runs on the CPU: use --device cpu')
      }
      const largestPairBytes = Math.max(0, ...modules.map((m) => m.tensor.byteLength + tunedShape.get(m.tensor.name)!.byteLength))
      const progress = reporter(o.json === true)
      try {
        const cal = o.calibrate === undefined ? undefined : await calibratedEntries({
          base: o.base, tuned: o.tuned, calibrate: o.calibrate, rows: o.calibRows, seed: o.calibSeed,
          loraModules: new Set(modules.map((m) => m.module)), saved, extract: { rank, rule, svd: o.svd, seed: o.seed }, onProgress: (e) => progress.update(e),
        })
        const plain = (opts: Parameters<typeof extractLoraModule>[0]) => {
          const f = extractLoraModule(opts)
          return (delta: Parameters<typeof f>[0]) => {
            const pre = cal?.entries.get(delta.name.replace(/\.weight$/, ''))
            if (pre === undefined) return f(delta)
            if (pre.lora.kind === 'embedding') return pre
            return { ...pre, report: calibratedReport(pre, toFloat32(delta), delta.shape as [number, number]) }
          }
        }
        const written = await withDevice(o.device, async (ctx) => unwrap(pipe(
          concat<AdapterEntry>(
            pipe(
              readCheckpoint(o.base),
              select((n) => loraNames.has(n)),
              zipWith(readCheckpoint(o.tuned), (b, t) => subtractTensors(t, b), { stage: 'delta' }),
              mapTensor(plain({ rank, rule, svd: o.svd, seed: o.seed, ...(ctx ? { operator: gpuOperator(ctx) } : {}) }), { stage: 'extract' }),
            ),
            pipe(readCheckpoint(o.tuned), select((n) => saved.has(n)), mapTensor(savedModule, { stage: 'modules_to_save' })),
          ),
          writeLoraAdapter(o.out, { format: o.format, dtype: o.dtype, config: { base_model_name_or_path: null, task_type: 'CAUSAL_LM' }, label: 'extract', onProgress: (e) => progress.update(e) }),
        )))
        progress.stop()
        const reports = written.reports as ExtractedModuleReport[]
        let errSq = 0, normSq = 0
        for (const m of reports) { errSq += (m.relativeError * m.norm) ** 2; normSq += m.norm ** 2 }
        const totalRelativeError = normSq === 0 ? 0 : Math.sqrt(errSq / normSq)
        const evaluation = o.eval !== undefined ? await evalLoss(o.base, o.eval, progress, written.out) : undefined
        emit(o.json === true, { out: written.out, format: o.format, ...(cal ? { calibration: { source: cal.source, tokens: cal.calibTokens } } : {}), totalRelativeError, largestPairBytes, modules: reports, modulesToSave: [...saved], ...(evaluation ? { eval: evaluation } : {}) }, () => [
          ...reports.map((m) => `${m.module.padEnd(40)} [${m.shape.join('×')}] rank ${String(m.rank).padStart(4)}  rel. error ${pct(m.relativeError)}${m.kind === 'embedding' ? '  (embedding LoRA)' : ''}`),
          ...(saved.size > 0 ? [`modules_to_save: ${saved.size} tensors stored whole (${[...saved].slice(0, 3).join(', ')}${saved.size > 3 ? ', …' : ''})`] : []),
          `total relative Frobenius error of ΔW: ${pct(totalRelativeError)} over ${reports.length} modules`,
          ...(cal ? [`calibrated (sequential output matching) on ${cal.source}`] : []),
          `wrote ${o.format} adapter: ${written.out}`,
          ...(evaluation ? [`eval loss (base + extracted adapter) on ${o.eval}: ${evaluation.loss.toFixed(5)} nats/byte over ${evaluation.tokens} tokens`] : []),
        ])
      } finally { progress.stop() }
    })
}
