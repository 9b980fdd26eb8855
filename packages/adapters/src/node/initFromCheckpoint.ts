import { join } from 'node:path'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { openCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointTensor } from '@lr/io-safetensors/node'
import { fromFloat32, type NamedTensor } from '@lr/io-safetensors'
import { matrix, seededRng, InvalidArgument, type Mat, type Rng } from '@lr/svd'
import { ModuleError } from '../errors.js'
import type { LoraInit, LoraPair } from '../types.js'
import { loraScaling } from '../lora/loraScaling.js'
import { loraInit, gaussianInit } from '../lora/loraInit.js'
import { pissaInit } from '../pissa/pissaInit.js'
import { oloraInit } from '../olora/oloraInit.js'
import { miloraInit } from '../milora/miloraInit.js'
import { cordaInit } from '../corda/cordaInit.js'
import { evaComponents, type EvaComponents } from '../eva/evaComponents.js'
import { evaRankDistribution } from '../eva/evaRankDistribution.js'
import { evaInit } from '../eva/evaInit.js'
import { loraAdapterFromModules } from '../adapter/loraAdapterFromModules.js'
import { loraFaInit } from '../lora-fa/loraFaInit.js'
import { kasaInit } from '../kasa/kasaInit.js'
import { sorsaInit } from '../sorsa/sorsaInit.js'
import { svfitInit } from '../svfit/svfitInit.js'
import { qrLoraInit } from '../qr-lora/qrLoraInit.js'
import { saltInit } from '../salt/saltInit.js'
import { nloraInit } from '../nlora/nloraInit.js'
import { sokaInit } from '../soka/sokaInit.js'
import { methodTensors, type MethodInit } from '../keys/methodTensors.js'
import { mkdir, writeFile } from 'node:fs/promises'
import { writeSafetensors } from '@lr/io-safetensors/node'
import type { OnProgress } from '../progress.js'
import { buildDir, run, toAdapterError } from './internal.js'
import { linearModules, type Targets } from './modules.js'
import { modelSideFiles } from './copyModelFiles.js'
import { writePeftAdapterDir, type AdapterIoError } from './peftDir.js'

/** The init methods `initFromCheckpoint` runs, with their method-specific options.  @since 0.1.0  @category node */
export type InitMethod =
  | { readonly method: 'lora' }
  | { readonly method: 'gaussian' }
  | { readonly method: 'pissa'; readonly niter?: number }
  | { readonly method: 'olora' }
  | { readonly method: 'milora' }
  | { readonly method: 'corda'; readonly mode?: 'ipm' | 'kpm' }
  | { readonly method: 'eva'; readonly rho?: number; readonly whiten?: boolean }
  | { readonly method: 'lora-fa' }
  | { readonly method: 'kasa' | 'sorsa' | 'svfit' | 'qr-lora' | 'nlora' | 'soka' }
  | { readonly method: 'salt'; readonly loraRank?: number }

/** Methods whose tensors PEFT has no format for: written with `methodTensors`' key scheme (docs/lora-init.md).  @since 0.1.0  @category node */
export const METHOD_TENSOR_INITS = ['kasa', 'sorsa', 'svfit', 'qr-lora', 'salt', 'nlora', 'soka'] as const

/** Options of `initFromCheckpoint`.  @since 0.1.0  @category node */
export interface InitFromCheckpointOptions {
  readonly rank: number
  /** @default rank */
  readonly alpha?: number
  /** @default false */
  readonly useRslora?: boolean
  /** @default 'all-linear' */
  readonly targets?: Targets
  /** @default 0 */
  readonly seed?: number
  /** Calibration statistics (Σ x·xᵀ per module input), required by corda and eva. */
  readonly calibPath?: string
  /** dtype of the residual model's changed weights. @default 'same' as the base tensor */
  readonly residualDtype?: 'same' | 'F32' | 'BF16' | 'F16'
  readonly onProgress?: OnProgress
}

/** Result of `initFromCheckpoint`.  @since 0.1.0  @category node */
export interface InitFromCheckpointResult {
  readonly adapterDir: string
  /** The residual model directory, when the method changes the base (pissa, olora, milora, corda). */
  readonly residualDir: string | undefined
  readonly modules: readonly { readonly module: string; readonly rank: number }[]
}

/** PEFT's `init_lora_weights` value for a method (true for methods PEFT does not know: A and B are in the file). */
const peftInitName = (m: InitMethod): boolean | string => {
  switch (m.method) {
    case 'lora': return true
    case 'gaussian': return 'gaussian'
    case 'pissa': return m.niter === undefined ? 'pissa' : `pissa_niter_${m.niter}`
    case 'olora': return 'olora'
    case 'corda': return 'corda'
    case 'eva': return 'eva'
    case 'milora': case 'lora-fa': return true
    default: return m.method
  }
}

const isMethodTensor = (m: InitMethod): boolean => (METHOD_TENSOR_INITS as readonly string[]).includes(m.method)
const changesBase = (m: InitMethod): boolean => m.method !== 'lora' && m.method !== 'gaussian' && m.method !== 'eva' && m.method !== 'lora-fa' && m.method !== 'qr-lora'

/** An init with its adapter tensors in `methodTensors`' key scheme (PEFT has no format for it). */
interface MethodTensorsInit { readonly kind: 'method'; readonly tensors: readonly NamedTensor[]; readonly rank: number; readonly residual?: Mat<Float32Array> }

/** Modules whose input is read by another linear: q/k/v share q_proj's input, gate/up share gate_proj's. */
const SHARED_INPUT: Readonly<Record<string, string>> = { k_proj: 'q_proj', v_proj: 'q_proj', up_proj: 'gate_proj' }

/** The calibration key of a module: its own name, else the sibling that reads the same input. */
const calibKey = (calib: Checkpoint, module: string): string | undefined => {
  const names = new Set(calib.tensors.map((t) => t.name))
  if (names.has(module)) return module
  const i = module.lastIndexOf('.')
  const sib = SHARED_INPUT[module.slice(i + 1)]
  if (sib !== undefined && names.has(`${module.slice(0, i)}.${sib}`)) return `${module.slice(0, i)}.${sib}`
  return undefined
}

/**
 * Initializes a LoRA for every selected linear module of a model checkpoint and writes `outDir/adapter`
 * (a PEFT adapter directory) and, when the method moves part of W into the adapter, `outDir/residual_model`
 * (a complete model directory: residual weights, other tensors copied, config.json…). Inputs are checked
 * first (rank ≤ min(out, in) for every module, calibration keys and shapes) and nothing is written on error.
 * EVA redistributes ranks across modules within the same total budget, keeping the scaling of `alpha`/`rank`.
 * @example await initFromCheckpoint('base', { method: 'pissa' }, 'out', { rank: 8 })()
 * @since 0.1.0  @category node
 */
export const initFromCheckpoint = (modelPath: string, spec: InitMethod, outDir: string, opts: InitFromCheckpointOptions): TE.TaskEither<AdapterIoError, InitFromCheckpointResult> =>
  TE.tryCatch(async () => {
    const model = await run(openCheckpoint(modelPath))
    let calib: Checkpoint | undefined
    try {
      const selected = linearModules(model.tensors, opts.targets ?? 'all-linear')
      if (selected.length === 0) throw new InvalidArgument('initFromCheckpoint', 'targets', `no linear module of ${modelPath} matches ${JSON.stringify(opts.targets ?? 'all-linear')}`)
      for (const { module, tensor } of selected) {
        const k = Math.min(tensor.shape[0]!, tensor.shape[1]!)
        if (opts.rank > k) throw new ModuleError('rank-too-large', module, `rank ${opts.rank} > min(out, in) = ${k} for shape [${tensor.shape.join(', ')}]; use --rank ≤ ${k} or leave this module out with --targets`)
      }
      const scaling = loraScaling(opts)
      const needsCalib = spec.method === 'corda' || spec.method === 'eva'
      const keys = new Map<string, string>()
      if (needsCalib) {
        if (opts.calibPath === undefined) throw new InvalidArgument('initFromCheckpoint', 'calib', `${spec.method} needs input covariances: pass --calib <file with Σ x·xᵀ per module input>`)
        calib = await run(openCheckpoint(opts.calibPath))
        for (const { module, tensor } of selected) {
          const key = calibKey(calib, module)
          if (key === undefined) throw new ModuleError('missing-calibration', module, `${opts.calibPath} has no key "${module}" (nor a sibling sharing its input); compute calibration statistics for this model, or leave the module out with --targets`)
          const ct = calib.tensors.find((t) => t.name === key)!
          const inF = tensor.shape[1]!
          if (ct.shape.length !== 2 || ct.shape[0] !== inF || ct.shape[1] !== inF)
            throw new ModuleError('shape-mismatch', module, `${opts.calibPath}: "${key}" is [${ct.shape.join(', ')}] but the module's input has ${inF} features; the calibration file is for another model`)
          keys.set(module, key)
        }
      }
      const rng: Rng = seededRng(opts.seed ?? 0)
      // EVA: components for every distinct input, then the rank distribution, before any init.
      const evaRanks = new Map<string, number>()
      const evaCache = new Map<string, EvaComponents>()
      if (spec.method === 'eva') {
        const maxComponents = Math.round(opts.rank * (spec.rho ?? 2))
        const ratios = new Map<string, Float64Array>()
        for (const [i, { module }] of selected.entries()) {
          opts.onProgress?.({ stage: 'eva components', done: i, total: selected.length, item: module })
          const key = keys.get(module)!
          if (!evaCache.has(key)) {
            const ct = calib!.tensors.find((t) => t.name === key)!
            const cov = matrix(await run(calib!.readFloat32(key)), ct.shape[0]!, ct.shape[1]!)
            evaCache.set(key, evaComponents(cov, { maxComponents }))
          }
          ratios.set(module, evaCache.get(key)!.explainedVarianceRatio)
        }
        for (const [m, r] of evaRankDistribution(ratios, { rank: opts.rank, rho: spec.rho ?? 2 })) evaRanks.set(m, r)
      }
      const initOne = async (module: string, tensor: CheckpointTensor): Promise<LoraInit<Float32Array> | MethodTensorsInit | undefined> => {
        const [outF, inF] = tensor.shape as [number, number]
        const common = { rank: opts.rank, ...(opts.alpha !== undefined ? { alpha: opts.alpha } : {}), useRslora: opts.useRslora ?? false }
        switch (spec.method) {
          case 'lora': return loraInit({ ...common, inFeatures: inF, outFeatures: outF, rng }) as LoraInit<Float32Array>
          case 'gaussian': return gaussianInit({ ...common, inFeatures: inF, outFeatures: outF, rng }) as LoraInit<Float32Array>
          case 'lora-fa': return loraFaInit({ ...common, inFeatures: inF, outFeatures: outF, rng }) as LoraInit<Float32Array>
          case 'eva': {
            const r = evaRanks.get(module) ?? 0
            if (r === 0) return undefined
            const alpha = (opts.useRslora ?? false) ? scaling * Math.sqrt(r) : scaling * r
            return evaInit(evaCache.get(keys.get(module)!)!, { rank: r, alpha, useRslora: opts.useRslora ?? false, outFeatures: outF, whiten: spec.whiten ?? false }) as LoraInit<Float32Array>
          }
          default: break
        }
        const w: Mat<Float32Array> = matrix(await run(model.readFloat32(tensor.name)), outF, inF)
        switch (spec.method) {
          case 'pissa': return pissaInit(w, { ...common, ...(spec.niter !== undefined ? { niter: spec.niter, rng } : {}) })
          case 'olora': return oloraInit(w, common)
          case 'milora': return miloraInit(w, common)
          case 'corda': {
            const key = keys.get(module)!
            const cov = matrix(await run(calib!.readFloat32(key)), inF, inF)
            return cordaInit(w, cov, { ...common, mode: spec.mode ?? 'ipm' })
          }
          default: break
        }
        const mt = (init: MethodInit, rank: number, residual?: Mat<Float32Array>): MethodTensorsInit =>
          ({ kind: 'method', tensors: methodTensors(module, init), rank, ...(residual !== undefined ? { residual } : {}) })
        switch (spec.method) {
          case 'kasa': { const i = kasaInit(w, { ...common, rng }); return mt({ method: 'kasa', a: i.a, b: i.b, diag: i.diag }, opts.rank, i.residual) }
          case 'sorsa': { const i = sorsaInit(w, { rank: opts.rank }); return mt({ method: 'sorsa', u: i.u, s: i.s, vt: i.vt }, opts.rank, i.residual) }
          case 'svfit': { const i = svfitInit(w, { rank: opts.rank }); return mt({ method: 'svfit', u: i.u, s: i.s, vt: i.vt }, opts.rank, i.residual) }
          case 'qr-lora': { const i = qrLoraInit(w, common); return mt({ method: 'qr-lora', q: i.q, r: i.r, lambda: i.lambda }, i.q.shape[1]) }
          case 'salt': {
            const i = saltInit(w, { rank: opts.rank, loraRank: spec.loraRank ?? opts.rank, rng })
            return mt({ method: 'salt', u: i.u, s: i.s, vt: i.vt, scale: i.scale, shift: i.shift, a: i.a, b: i.b }, opts.rank, i.rest)
          }
          case 'nlora': { const i = nloraInit(w, { ...common, rng }); return mt({ method: 'nlora', a: i.a, n: i.n, b: i.b }, i.a.shape[0], i.residual) }
          case 'soka': { const i = sokaInit(w, { rule: { kind: 'fixed', rank: opts.rank } }); return mt({ method: 'soka', b: i.b, c: i.c }, i.rank, i.residual) }
          default: return undefined
        }
      }
      const pairs = new Map<string, LoraPair<Float32Array>>()
      const extra: NamedTensor[] = []
      /** Records one module's init; returns its residual (the changed base weight) if any. */
      const record = (module: string, init: LoraInit<Float32Array> | MethodTensorsInit): Mat<Float32Array> | undefined => {
        if ('kind' in init) {
          extra.push(...init.tensors)
          report.push({ module, rank: init.rank })
          return init.residual
        }
        pairs.set(module, { a: init.a, b: init.b, scaling: init.scaling })
        report.push({ module, rank: init.a.shape[0] })
        return init.residual
      }
      const report: { module: string; rank: number }[] = []
      const byName = new Map(selected.map((s) => [s.tensor.name, s]))
      return await buildDir(outDir, async (partial) => {
        let residualDir: string | undefined
        if (changesBase(spec)) {
          const rd = opts.residualDtype ?? 'same'
          const dtypeOf = (t: CheckpointTensor): NamedTensor['dtype'] => (rd === 'same' || !byName.has(t.name) ? t.dtype : rd)
          const specs = model.tensors.map((t) => ({ name: t.name, shape: t.shape, dtype: dtypeOf(t) }))
          const total = model.tensors.length
          async function* tensors(): AsyncGenerator<NamedTensor> {
            for (const [i, t] of model.tensors.entries()) {
              opts.onProgress?.({ stage: `init ${spec.method}`, done: i, total, item: t.name })
              const sel = byName.get(t.name)
              if (sel === undefined) { yield await run(model.readTensor(t.name)); continue }
              const residual = record(sel.module, (await initOne(sel.module, t))!)!
              const d = dtypeOf(t)
              yield fromFloat32(t.name, t.shape, residual.data, d === 'BF16' || d === 'F16' ? d : 'F32')
            }
            opts.onProgress?.({ stage: `init ${spec.method}`, done: total, total })
          }
          residualDir = join(outDir, 'residual_model')
          await run(writeCheckpoint(join(partial, 'residual_model'), tensors(), { specs, metadata: { format: 'pt' }, maxShardBytes: 5e9, extraFiles: await modelSideFiles(modelPath) }))
        } else {
          for (const [i, { module, tensor }] of selected.entries()) {
            opts.onProgress?.({ stage: `init ${spec.method}`, done: i, total: selected.length, item: module })
            const init = await initOne(module, tensor)
            if (init === undefined) continue
            record(module, init)
          }
        }
        if (isMethodTensor(spec)) {
          // PEFT has no format for this method: its tensors use methodTensors' key scheme, and the config says so.
          const config = {
            peft_type: 'LORA', lr_method: spec.method, lr_key_scheme: 'lr methodTensors (docs/lora-init.md); not loadable by PEFT',
            r: opts.rank, lora_alpha: opts.alpha ?? opts.rank, use_rslora: opts.useRslora ?? false, scaling,
            target_modules: [...new Set(report.map((m) => m.module.slice(m.module.lastIndexOf('.') + 1)))].sort(),
            rank_pattern: Object.fromEntries(report.filter((m) => m.rank !== opts.rank).map((m) => [m.module, m.rank])),
            init_lora_weights: spec.method, task_type: 'CAUSAL_LM', base_model_name_or_path: null,
          }
          const dir = join(partial, 'adapter')
          await mkdir(dir, { recursive: true })
          await run(writeSafetensors(join(dir, 'adapter_model.safetensors'), extra, { metadata: { format: 'pt', lr_method: spec.method, lr_key_scheme: 'methodTensors' } }))
          await writeFile(join(dir, 'adapter_config.json'), `${JSON.stringify(config, null, 2)}\n`, 'utf8')
          return { adapterDir: join(outDir, 'adapter'), residualDir, modules: report }
        }
        const adapter = loraAdapterFromModules(pairs, { useRslora: opts.useRslora ?? false, config: { init_lora_weights: peftInitName(spec), task_type: 'CAUSAL_LM', base_model_name_or_path: null } })
        await run(writePeftAdapterDir(join(partial, 'adapter'), adapter))
        return { adapterDir: join(outDir, 'adapter'), residualDir, modules: report }
      })
    } finally {
      await calib?.close()
      await model.close()
    }
  }, toAdapterError(modelPath))
