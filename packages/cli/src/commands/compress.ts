import { Option, type Command } from 'commander'
import { pipe } from 'fp-ts/lib/function.js'
import type { NamedTensor, TensorSpec } from '@lr/io-safetensors'
import { fromFloat32, toFloat32 } from '@lr/io-safetensors'
import { mapTensor } from '@lr/pipeline'
import { readCheckpoint, readCheckpointInfo, writeCheckpoint } from '@lr/pipeline/node'
import { calibratedError, compressLinear, eoraCompensate, isLinearWeight, MissingStatistics, rankForRatio, type CompressMethod } from '@lr/quant'
import { InvalidArgument, matrix, type Mat } from '@lr/svd'
import { progressReporter, UsageError } from '../runtime.js'
import { companionFiles, CovarianceSource, denseProduct, intFlag, open, outDtypeOf, unwrap } from '../modelSurgery.js'
import { evalHook } from '../evalHook.js'

interface CompressFlags {
  method: CompressMethod; ratio?: string; rank?: string; calib?: string; fisher?: string; eora?: string; alpha?: string
  jitter: boolean; solver: 'exact' | 'randomized'; dense?: boolean; eval?: string; json?: boolean; out: string
}

const METHODS: readonly CompressMethod[] = ['svd', 'fwsvd', 'svd-llm', 'asvd']

type Ckpt = Awaited<ReturnType<typeof open>>
/** The Fisher entry of a module: `<module>` (or `<module>.weight`), F32 [out] or [out, in]; MissingStatistics otherwise. */
const fisherInfo = (ckpt: Ckpt, module: string, out: number, inDim: number): { name: string } => {
  const info = ckpt.tensors.find((t) => t.name === module) ?? ckpt.tensors.find((t) => t.name === `${module}.weight`)
  if (!info) throw new MissingStatistics(ckpt.path, module, `no Fisher importances (key "${module}", [${out}] or [${out}, ${inDim}]); see docs/compression.md for the format`)
  const ok = (info.shape.length === 1 && info.shape[0] === out) || (info.shape.length === 2 && info.shape[0] === out && info.shape[1] === inDim)
  if (!ok) throw new MissingStatistics(ckpt.path, module, `"${info.name}" has shape [${info.shape.join(', ')}], expected [${out}] or [${out}, ${inDim}]`)
  return info
}
/** Fisher row importances [out] of a module (an [out, in] entry is summed over in). */
const fisherRows = async (ckpt: Ckpt, module: string, out: number, inDim: number): Promise<Float64Array> => {
  const info = fisherInfo(ckpt, module, out, inDim)
  const d = await unwrap(ckpt.readFloat32(info.name))
  const rows = new Float64Array(out)
  const per = d.length / out
  for (let i = 0; i < out; i++) { let s = 0; for (let j = 0; j < per; j++) s += d[i * per + j]!; rows[i] = s }
  return rows
}

export const register = (program: Command): void => {
  program.command('compress')
    .description('Compress every linear layer to rank r (W ≈ U·V) by SVD, FWSVD, SVD-LLM or ASVD, optionally with an EoRA branch; writes a factored checkpoint (or --dense a complete model).')
    .argument('<model>', 'model directory or .safetensors file')
    .addOption(new Option('--method <m>', 'svd | fwsvd | svd-llm | asvd').choices(METHODS as string[]).makeOptionMandatory())
    .option('--ratio <f>', 'fraction of each linear layer\'s parameters removed, in (0, 1) (rank r keeps r·(m+n) of m·n)')
    .option('--rank <r>', 'the same rank for every linear layer')
    .option('--calib <file>', 'Σ x·xᵀ per module input (svd-llm, asvd, --eora)')
    .option('--fisher <file>', 'Fisher row importances per module (fwsvd): key <module>, F32 [out] or [out, in]')
    .option('--eora <r>', 'add an EoRA compensation branch of rank r (needs --calib)')
    .option('--alpha <a>', 'ASVD exponent α', '0.5')
    .addOption(new Option('--solver <s>', 'truncated SVD: exact (optimal) or randomized (near-optimal, much faster on large layers)').choices(['exact', 'randomized']).default('exact'))
    .option('--no-jitter', 'fail on a covariance that is not positive definite instead of adding a ridge (svd-llm)')
    .option('--dense', 'write a complete model directory in the input dtype instead of the factored checkpoint')
    .option('--eval <bytes.u8>', 'evaluate the loss of the result on an eval file (64 rows × 257 bytes)')
    .option('--json', 'print one JSON document on stdout')
    .requiredOption('--out <dir>', 'output directory (built as <dir>.partial, renamed at the end)')
    .addHelpText('after', '\nExample:\n  $ lr compress examples/tinyllama-base --method svd-llm --ratio 0.4 --calib calib_code.safetensors --eora 16 --out tiny-svdllm')
    .action(async (model: string, f: CompressFlags) => {
      if ((f.ratio === undefined) === (f.rank === undefined)) throw new UsageError('give exactly one of --ratio and --rank')
      const ratio = f.ratio === undefined ? undefined : Number(f.ratio)
      if (ratio !== undefined && !(ratio > 0 && ratio < 1)) throw new UsageError(`--ratio must be in (0, 1) (the fraction of parameters removed), got "${f.ratio}"`)
      const rank = intFlag(UsageError, '--rank', f.rank, 1)
      const eora = intFlag(UsageError, '--eora', f.eora, 1)
      const alpha = Number(f.alpha)
      if (!(alpha >= 0 && alpha <= 4)) throw new UsageError(`--alpha must be in [0, 4], got "${f.alpha}"`)
      const needsCalib = f.method === 'svd-llm' || f.method === 'asvd' || eora !== undefined
      if (needsCalib && !f.calib) throw new UsageError(`${eora !== undefined && f.method !== 'svd-llm' && f.method !== 'asvd' ? '--eora' : `--method ${f.method}`} needs --calib <Σ x·xᵀ file>`)
      if (f.method === 'fwsvd' && !f.fisher) throw new UsageError('--method fwsvd needs --fisher <file> (see docs/compression.md)')

      const progress = progressReporter({ isJson: Boolean(f.json) })
      const info = await unwrap(readCheckpointInfo(model))
      const calib = f.calib ? await CovarianceSource.open(f.calib) : undefined
      const fisher = f.fisher ? await open(f.fisher) : undefined
      try {
        const linears = info.tensors.filter((t) => isLinearWeight(t.name, t.shape) && ['F32', 'F16', 'BF16', 'F64'].includes(t.dtype))
        if (linears.length === 0) throw new InvalidArgument('compress', 'model', `${info.path} has no linear weights (2-D "….weight" outside embeddings, norms and lm_head)`)
        // validate everything before writing anything
        const plan = new Map<string, { rank: number; module: string; out: number; inDim: number }>()
        for (const t of linears) {
          const [out, inDim] = t.shape as [number, number]
          const module = t.name.slice(0, -'.weight'.length)
          const r = rank ?? rankForRatio(out, inDim, ratio!)
          if (r > Math.min(out, inDim)) throw new InvalidArgument('compress', '--rank', `${r} exceeds min(out, in) = ${Math.min(out, inDim)} of "${t.name}" [${out}, ${inDim}]`)
          if (eora !== undefined && eora > Math.min(out, inDim)) throw new InvalidArgument('compress', '--eora', `${eora} exceeds min(out, in) = ${Math.min(out, inDim)} of "${t.name}"`)
          if (calib) calib.keyFor(module, inDim)
          if (fisher) fisherInfo(fisher, module, out, inDim)
          plan.set(t.name, { rank: r, module, out, inDim })
        }
        const specs = info.tensors.flatMap((t): TensorSpec[] => {
          const p = plan.get(t.name)
          if (!p) return [{ name: t.name, dtype: t.dtype, shape: t.shape }]
          const dt = outDtypeOf(t.dtype)
          if (f.dense) return [{ name: t.name, dtype: dt, shape: t.shape }]
          const rr = p.rank + (eora ?? 0)
          return [{ name: `${p.module}.weight_u`, dtype: dt, shape: [p.out, rr] }, { name: `${p.module}.weight_v`, dtype: dt, shape: [rr, p.inDim] }]
        })
        const layers: { name: string; shape: number[]; rank: number; jitter: number; calibratedError?: number; calibratedErrorEora?: number }[] = []
        let paramsBefore = 0, paramsAfter = 0
        /** One tensor of the stream: a linear layer becomes weight_u / weight_v (or its dense low-rank product); the
         *  rest passes through unchanged. */
        const compressTensor = async (t: NamedTensor, name: string): Promise<NamedTensor | NamedTensor[]> => {
          const p = plan.get(name)
          if (!p) return t
          const w = matrix(toFloat32(t), p.out, p.inDim)
          const cov = calib ? await calib.get(p.module, p.inDim) : undefined
          const rows = fisher ? await fisherRows(fisher, p.module, p.out, p.inDim) : undefined
          const { u, v, jitter } = compressLinear(w, {
            method: f.method, rank: p.rank, alpha, maxJitterTries: f.jitter ? 6 : 0, solver: f.solver,
            ...(cov ? { covariance: cov } : {}), ...(rows ? { rowImportance: rows } : {}),
          })
          const dt = outDtypeOf(t.dtype)
          let extra: { a: Mat; b: Mat } | undefined
          const approx = denseProduct(u, v)
          const entry: (typeof layers)[number] = { name, shape: [p.out, p.inDim], rank: p.rank + (eora ?? 0), jitter }
          if (cov) entry.calibratedError = calibratedError(w, matrix(approx, p.out, p.inDim), cov) / Math.max(calibratedError(w, matrix(new Float32Array(p.out * p.inDim), p.out, p.inDim), cov), Number.MIN_VALUE)
          if (eora !== undefined && cov) {
            const { b, a } = eoraCompensate(w, matrix(approx, p.out, p.inDim), await calib!.eigen(p.module, p.inDim), { rank: eora })
            extra = { a: b, b: a }
            entry.calibratedErrorEora = calibratedError(w, matrix(denseProduct(u, v, extra), p.out, p.inDim), cov) / Math.max(calibratedError(w, matrix(new Float32Array(p.out * p.inDim), p.out, p.inDim), cov), Number.MIN_VALUE)
          }
          layers.push(entry)
          paramsBefore += p.out * p.inDim
          paramsAfter += f.dense ? p.out * p.inDim : entry.rank * (p.out + p.inDim)
          if (f.dense) return fromFloat32(name, t.shape, denseProduct(u, v, extra), dt)
          const rr = entry.rank
          const uu = new Float32Array(p.out * rr), vv = new Float32Array(rr * p.inDim)
          for (let i = 0; i < p.out; i++) for (let k = 0; k < p.rank; k++) uu[i * rr + k] = u.data[i * p.rank + k]!
          vv.set((v.data as Float32Array).subarray(0, p.rank * p.inDim))
          if (extra) {
            for (let i = 0; i < p.out; i++) for (let k = 0; k < eora!; k++) uu[i * rr + p.rank + k] = extra.a.data[i * eora! + k]!
            vv.set(extra.b.data as Float32Array, p.rank * p.inDim)
          }
          return [fromFloat32(`${p.module}.weight_u`, [p.out, rr], uu, dt), fromFloat32(`${p.module}.weight_v`, [rr, p.inDim], vv, dt)]
        }
        const meta: Record<string, string> = f.dense
          ? { format: 'pt' }
          : { format: 'pt', lr_format: 'factored-v1', lr_method: f.method, ...(ratio !== undefined ? { lr_ratio: String(ratio) } : { lr_rank: String(rank) }), ...(eora !== undefined ? { lr_eora_rank: String(eora) } : {}) }
        const stage = `compress ${f.method}`
        // readCheckpoint → mapTensor(compressTensor) → writeCheckpoint (specs known up front: one tensor in memory at a time)
        await unwrap(pipe(readCheckpoint(model), mapTensor(compressTensor, { stage }),
          writeCheckpoint(f.out, { specs, metadata: meta, extraFiles: await companionFiles(model), label: stage, onProgress: (ev) => progress.update(ev) })))
        progress.stop()
        const loss = f.eval ? await evalHook(f.out, f.eval) : undefined
        const report = { out: f.out, method: f.method, ratio: ratio ?? null, rank: rank ?? null, eora: eora ?? null, format: f.dense ? 'dense' : 'factored-v1',
          linearParamsBefore: paramsBefore, linearParamsAfter: paramsAfter, removed: 1 - paramsAfter / paramsBefore, ...(loss ? { loss } : {}), layers }
        if (f.json) process.stdout.write(`${JSON.stringify(report)}\n`)
        else {
          process.stderr.write(`compressed ${layers.length} linear layers with ${f.method}: ${paramsBefore} → ${paramsAfter} parameters (${(100 * report.removed).toFixed(1)}% removed) → ${f.out}\n`)
          if (loss) process.stdout.write(`loss ${loss.loss.toFixed(4)} nats (${loss.tokens} tokens, ${f.eval})\n`)
        }
      } finally {
        progress.stop()
        await calib?.close(); await fisher?.close()
      }
    })
}
