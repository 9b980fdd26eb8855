import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { matrix } from '@lr/svd'
import { fairy2iMetadata, fairy2iQuantize, toFairy2iTensors } from '@lr/quant-complex'
import { collect, concat, fromTensors, evaluateLoss, extractLoraModule, mapTensor, renderSpectraSvg, savedModule, select, subtractTensors, zipWith, type AdapterEntry, type LlamaModel, type LrError, type ProgressEvent } from '@lr/pipeline'
import { checkpointSpectra, loadLlama, readCheckpoint, writeCheckpoint, writeLoraAdapter } from '@lr/pipeline/node'
import { progressReporter, UsageError } from '../runtime.js'

interface DemoFlags { readonly examples?: string; readonly out: string; readonly rank: string; readonly stages: string; readonly rows: string; readonly json?: boolean }

const run = async <A>(te: TE.TaskEither<LrError, A>): Promise<A> => {
  const r = await te()
  if (E.isLeft(r)) throw r.left
  return r.right
}

/** The repository's examples/ (next to packages/), found from this file. */
const defaultExamples = (): string => fileURLToPath(new URL('../../../../examples', import.meta.url))

/** `lr demo`: the main job on the bundled example models. */
export const register = (program: Command): void => {
  program.command('demo')
    .description('The main job on the bundled byte-level Llama (examples/): extract rank-r LoRAs from tuned − base (the linear layers; and also embed_tokens and lm_head, with the norms as PEFT modules_to_save) and print the prose loss of base, tuned and base + each LoRA; Fairy2i W2 quantization of the base with its code loss before and after, and a picture of the singular-value spectra of ΔW = tuned − base.')
    .option('--examples <dir>', 'directory with tinyllama-base/, tinyllama-tuned/, eval_code.u8, eval_prose.u8 (default: the repository\'s examples/)')
    .option('--out <dir>', 'where to write the quantized model and the spectra picture', 'lr-demo')
    .option('--rank <r>', 'LoRA rank to extract from tuned − base', '64')
    .option('--stages <T>', 'Fairy2i residual stages', '2')
    .option('--rows <n>', 'evaluation rows (of the 64 rows of 257 bytes in each eval file) per loss; 64 = the whole file, the figures of meta.json', '16')
    .option('--json', 'print every figure as one JSON document, no progress')
    .addHelpText('after', '\nExample:\n  $ lr demo\n  $ lr demo --rows 64 --out /tmp/lr-demo --json')
    .action(async (flags: DemoFlags) => {
      const t0 = performance.now()
      const ex = resolve(flags.examples ?? defaultExamples())
      const out = resolve(flags.out)
      const stages = Number(flags.stages), rows = Number(flags.rows)
      if (!Number.isInteger(stages) || stages < 1 || stages > 8) throw new UsageError(`--stages "${flags.stages}": expected an integer 1…8`)
      if (!Number.isInteger(rows) || rows < 1 || rows > 64) throw new UsageError(`--rows "${flags.rows}": expected an integer 1…64`)
      const isJson = flags.json === true
      const progress = progressReporter({ isJson })
      const say = (s: string): void => { if (!isJson) process.stdout.write(`${s}\n`) }
      const onProgress = (e: ProgressEvent): void => progress.update(e)
      const base = join(ex, 'tinyllama-base'), tuned = join(ex, 'tinyllama-tuned')
      const bytes = async (which: 'code' | 'prose'): Promise<Uint8Array> => {
        const b = await readFile(join(ex, `eval_${which}.u8`)).catch(() => { throw new UsageError(`${join(ex, `eval_${which}.u8`)} is missing; pass --examples DIR (the repository's examples/)`) })
        return new Uint8Array(b.buffer, b.byteOffset, rows * 257)
      }
      const [code, prose] = [await bytes('code'), await bytes('prose')]
      const loss = async (model: LlamaModel, data: Uint8Array, label: string): Promise<number> => {
        const r = await run(evaluateLoss(model, data, { onProgress: (e) => onProgress({ ...e, stage: `eval ${label}` }) }))
        progress.stop()
        return r.loss
      }
      await mkdir(out, { recursive: true })
      say(`lr demo — a byte-level Llama (4 layers, hidden 256) trained on Python code (${base}) and fine-tuned on prose (${tuned})`)
      say(`losses are mean next-byte cross-entropy in nats over ${rows} rows × 256 bytes\n`)

      // 1. base vs tuned on prose
      const baseModel = await run(loadLlama(base))
      const tunedModel = await run(loadLlama(tuned))
      const rank = Number(flags.rank)
      if (!Number.isInteger(rank) || rank < 1) throw new UsageError(`--rank "${flags.rank}": expected a positive integer`)
      // 1. rank-r LoRAs from tuned − base, as pipelines: delta → @lr/adapters' truncated SVD → PEFT adapter.
      //    (a) every linear layer of the blocks (what `lr lora extract --rank r` does by default);
      //    (b) also embed_tokens (PEFT embedding LoRA) and lm_head at rank r, the RMSNorm weights whole (modules_to_save).
      // One extraction pass serves both adapters (the SVDs of the linear layers are shared).
      const entries = await run(pipe(
        concat<AdapterEntry>(
          pipe(readCheckpoint(base), select(/(layers\.\d+\..*_proj|embed_tokens|lm_head)\.weight$/), zipWith(readCheckpoint(tuned), (b, t) => subtractTensors(t, b), { stage: 'delta' }),
            mapTensor(extractLoraModule({ rank }), { stage: 'extract' })),
          pipe(readCheckpoint(tuned), select(/norm\.weight$/), mapTensor(savedModule, { stage: 'modules_to_save' })),
        ),
        collect({ onProgress, label: `extract LoRA r${rank}` }),
      ))
      progress.stop()
      const loraDir = join(out, `lora-r${rank}`), fullDir = join(out, `lora-r${rank}-embed-head-norms`)
      const write = (dir: string, es: readonly AdapterEntry[]) => run(pipe(fromTensors(es), writeLoraAdapter(dir, { config: { task_type: 'CAUSAL_LM' } })))
      const lora = await write(loraDir, entries.filter((e) => e.type === 'lora' && /layers\.\d+\./.test(e.name)))
      const full = await write(fullDir, entries)
      const proseBase = await loss(baseModel, prose, 'base/prose')
      const proseTuned = await loss(tunedModel, prose, 'tuned/prose')
      const proseLora = await loss(await run(loadLlama(base, { adapter: loraDir })), prose, 'base+LoRA/prose')
      const proseFull = await loss(await run(loadLlama(base, { adapter: fullDir })), prose, 'base+LoRA+/prose')
      const saved = full.adapter.modulesToSave?.size ?? 0
      say(`prose loss    base ${proseBase.toFixed(4)}   tuned ${proseTuned.toFixed(4)}`)
      say(`              base + LoRA r${rank} on the ${lora.adapter.modules.size} linear layers (SVD of tuned − base)            ${proseLora.toFixed(4)}   → ${loraDir}`)
      say(`              + embed_tokens, lm_head at r${rank} and the ${saved} norms whole (modules_to_save)   ${proseFull.toFixed(4)}   → ${fullDir}`)

      // 2. Fairy2i W2 on every projection of the base (embeddings, norms and lm_head kept), evaluated packed
      const qdir = join(out, `tinyllama-base-fairy2i-t${stages}`)
      const quantize = (t: NamedTensor): NamedTensor | NamedTensor[] =>
        /layers\.\d+\..*_proj\.weight$/.test(t.name) && t.shape.length === 2
          ? toFairy2iTensors(t.name, fairy2iQuantize(matrix(toFloat32(t), t.shape[0]!, t.shape[1]!), { stages, name: t.name }))
          : t
      const written = await run(pipe(readCheckpoint(base), mapTensor(quantize, { stage: 'fairy2i' }), writeCheckpoint(qdir, {
        metadata: fairy2iMetadata(stages), extraFiles: { 'config.json': await readFile(join(base, 'config.json'), 'utf8') }, onProgress, label: 'quantize fairy2i',
      })))
      progress.stop()
      const quantModel = await run(loadLlama(qdir))
      const codeBase = await loss(baseModel, code, 'base/code')
      const codeQuant = await loss(quantModel, code, 'fairy2i/code')
      say(`code loss     base ${codeBase.toFixed(4)}   Fairy2i T=${stages} (packed, ${stages} bits per real weight, lm_head/embeddings kept) ${codeQuant.toFixed(4)}   → ${qdir} (${written.totalBytes.toLocaleString('en-US')} bytes)`)

      // 3. spectra of ΔW = tuned − base
      const ranks = [rank]
      const spectra = await run(checkpointSpectra(base, { tuned, ranks: [8, ...ranks], onProgress }))
      progress.stop()
      const svgPath = join(out, 'spectra.svg')
      await rm(svgPath, { force: true })
      await writeFile(svgPath, renderSpectraSvg(spectra, { title: 'Spectra of ΔW = tuned − base (tinyllama-bytes, code → prose)', subtitle: `${tuned} − ${base}`, ranks: [8, ...ranks] }))
      const meanErank = spectra.reduce((a, s) => a + s.effectiveRank, 0) / spectra.length
      say(`spectra       ${svgPath}: ${spectra.length} matrices, mean effective rank of ΔW ${meanErank.toFixed(1)}`)
      const seconds = (performance.now() - t0) / 1000
      say(`\ndone in ${seconds.toFixed(1)} s`)
      if (isJson) {
        process.stdout.write(`${JSON.stringify({
          rows, prose: { base: proseBase, tuned: proseTuned, lora: proseLora, loraEmbedHeadNorms: proseFull }, lora: { rank, modules: lora.adapter.modules.size, dir: loraDir }, loraEmbedHeadNorms: { rank, modules: full.adapter.modules.size, modulesToSave: saved, dir: fullDir }, code: { base: codeBase, fairy2i: codeQuant }, fairy2i: { stages, dir: qdir, bytes: written.totalBytes },
          spectra: { file: svgPath, matrices: spectra.length, meanEffectiveRank: meanErank }, seconds,
        })}\n`)
      }
    })
}
