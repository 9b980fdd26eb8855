import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import { renderSpectraHtml, renderSpectraSvg } from '@lr/pipeline'
import { checkpointSpectra } from '@lr/pipeline/node'
import { progressReporter, UsageError } from '../runtime.js'

interface SpectrumFlags { readonly out: string; readonly tuned?: string; readonly html?: boolean; readonly ranks: string; readonly select?: string; readonly json?: boolean }

/** Parses `16,64` into ranks. */
export const parseRanks = (s: string): number[] => {
  const ranks = s.split(',').map((x) => Number(x.trim()))
  if (ranks.length === 0 || ranks.some((r) => !Number.isInteger(r) || r < 1)) throw new UsageError(`--ranks "${s}": expected positive integers separated by commas, e.g. 16,64`)
  return ranks
}

/** `lr spectrum <model> [--tuned T] --out spectra.svg [--html]`. */
export const register = (program: Command): void => {
  program.command('spectrum')
    .description('Singular-value spectra of every layer (of W, or of ΔW = tuned − base with --tuned): log-scale curves per module, energy at chosen ranks, effective-rank heat map; written as SVG (or HTML with a table).')
    .argument('<model>', 'model directory, sharded directory or .safetensors file (the base when --tuned is given)')
    .requiredOption('--out <file>', 'output picture (.svg, or .html with --html)')
    .option('--tuned <model>', 'a fine-tune of <model>: plot the spectra of tuned − base')
    .option('--html', 'write an HTML page: the SVG plus a table of every tensor')
    .option('--ranks <list>', 'ranks to mark and report the energy share at', '16,64')
    .option('--select <glob>', 'tensors to analyse (picomatch glob on names; default: every layers.N.*.weight matrix)')
    .option('--json', 'print the per-tensor figures (σ₁, effective rank, energies) as JSON, no progress')
    .addHelpText('after', '\nExample:\n  $ lr spectrum examples/tinyllama-base --out spectra.svg\n  $ lr spectrum examples/tinyllama-base --tuned examples/tinyllama-tuned --out delta.html --html --ranks 8,64')
    .action(async (model: string, flags: SpectrumFlags) => {
      const ranks = parseRanks(flags.ranks)
      const isJson = flags.json === true
      const progress = progressReporter({ isJson })
      const r = await checkpointSpectra(model, {
        ranks, onProgress: (e) => progress.update(e),
        ...(flags.tuned !== undefined ? { tuned: flags.tuned } : {}),
        ...(flags.select !== undefined ? { select: flags.select } : {}),
      })()
      progress.stop()
      if (E.isLeft(r)) throw r.left
      if (r.right.length === 0) throw new UsageError(`no 2-D weights of ${model} matched ${flags.select ?? 'layers.N.*.weight'}; pass --select`)
      const opts = { title: flags.tuned !== undefined ? `Spectra of ΔW = tuned − base` : 'Singular-value spectra of W', subtitle: flags.tuned !== undefined ? `${flags.tuned} − ${model}` : model, ranks }
      await mkdir(dirname(flags.out), { recursive: true })
      await writeFile(flags.out, flags.html === true ? renderSpectraHtml(r.right, opts) : renderSpectraSvg(r.right, opts))
      if (isJson) {
        process.stdout.write(`${JSON.stringify({ out: flags.out, tensors: r.right.map((s) => ({ name: s.name, shape: s.shape, sigma1: s.s[0] ?? 0, effectiveRank: s.effectiveRank, energy: s.energy })) })}\n`)
      } else {
        process.stdout.write(`wrote ${flags.out}: ${r.right.length} tensors; mean effective rank ${(r.right.reduce((a, s) => a + s.effectiveRank, 0) / r.right.length).toFixed(1)}\n`)
      }
    })
}
