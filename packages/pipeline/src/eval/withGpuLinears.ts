import * as E from 'fp-ts/lib/Either.js'
import * as TE from 'fp-ts/lib/TaskEither.js'
import { matrix, transpose } from '@lr/svd'
import { downloadMat, gemmGpuMat, uploadMat, toGpuError, type GpuContext, type GpuError, type GpuMat } from '@lr/kernels-gpu'
import { quantizedMatmulGpu, uploadQuantized } from '@lr/quant'
import { fairy2iApplyGpu, fairy2iUploadGpu, type Fairy2iGpuLayer } from '@lr/quant-complex'
import type { Linear } from './linear.js'
import { LLAMA_PROJECTIONS, type LlamaLayer, type LlamaModel, type LlamaProjection } from './llama.js'

/** A model whose dense, Fairy2i-packed and int-k/NF4-packed linears also run on the GPU, and what it holds there.
 *  @since 0.1.0  @category eval */
export interface GpuLlamaModel {
  readonly model: LlamaModel
  /** Linears given an `applyAsync` on the GPU (dense: gemm with Wᵀ resident; fairy2i and int-k/NF4: the packed kernels). */
  readonly onGpu: number
  /** Linears left on the CPU (LoRA-unmerged, EoRA, SVDQuant, factored): `kind` per module name. */
  readonly onCpu: ReadonlyMap<string, string>
  /** Destroys every GPU buffer the model holds (the context stays open). */
  readonly release: () => void
}

const unwrap = async <L, A>(t: TE.TaskEither<L, A>): Promise<A> => {
  const r = await t()
  if (E.isLeft(r)) throw r.left
  return r.right
}

/**
 * Gives the dense linears (weight resident on the GPU as Wᵀ `[in, out]`; y = x·Wᵀ by the tiled f32 GEMM, |Δ| ≤
 * 1e-5·√in·(|x|·|W|) per entry), the Fairy2i-packed linears (codes resident; `fairy2iApplyGpu`, equal to the dense
 * dequantized product up to f32 rounding) and the int-k/NF4-packed linears (`quant-int-v1`/`quant-nf4-v1`: codes and
 * scales resident, packed; @lr/quant's `quantizedMatmulGpu`, |Δ| ≤ (in + 1)·2⁻²⁴·(|x|·|Ŵ|)) an `applyAsync` on `ctx`,
 * for `llamaLogitsAsync` / `evaluateLoss`. The attention, norms, LoRA-unmerged (EoRA too), SVDQuant and factored
 * layers stay on the CPU (listed in `onCpu`). Each call uploads x and
 * reads y back. Call `release()` when done.
 * @example const g = await withGpuLinears(ctx, model)(); // Either<GpuError, GpuLlamaModel>
 * @since 0.1.0  @category eval
 */
export const withGpuLinears = (ctx: GpuContext, model: LlamaModel): TE.TaskEither<GpuError, GpuLlamaModel> =>
  TE.tryCatch(async () => {
    const owned: { destroy(): void }[] = []
    const onCpu = new Map<string, string>()
    const release = () => { for (const g of owned) g.destroy(); owned.length = 0 }
    const toGpu = async (name: string, lin: Linear): Promise<Linear> => {
      const { inFeatures: inF, outFeatures: outF } = lin
      if (lin.kind === 'dense' && lin.weight) {
        const wt: GpuMat = await unwrap(uploadMat(ctx, transpose(matrix(lin.weight, outF, inF))))
        owned.push(wt)
        return {
          ...lin,
          applyAsync: async (x, tokens) => {
            const xg = await unwrap(uploadMat(ctx, matrix(x, tokens, inF)))
            try {
              const yg = await unwrap(gemmGpuMat(ctx, xg, wt))
              try { return (await unwrap(downloadMat(ctx, yg))).data } finally { yg.destroy() }
            } finally { xg.destroy() }
          },
        }
      }
      if (lin.kind === 'fairy2i' && lin.packed) {
        const layer: Fairy2iGpuLayer = await unwrap(fairy2iUploadGpu(ctx, lin.packed))
        owned.push(layer)
        return { ...lin, applyAsync: async (x, tokens) => (await unwrap(fairy2iApplyGpu(ctx, layer, matrix(x, tokens, inF)))).data }
      }
      if (lin.quantized) {
        const gw = await unwrap(uploadQuantized(ctx, lin.quantized))
        owned.push(gw)
        return { ...lin, applyAsync: async (x, tokens) => (await unwrap(quantizedMatmulGpu(ctx, matrix(x, tokens, inF), gw, { checkFinite: false }))).data }
      }
      onCpu.set(name, lin.kind)
      return lin
    }
    try {
      const layers: LlamaLayer[] = []
      for (const [l, layer] of model.layers.entries()) {
        const linears = {} as Record<LlamaProjection, Linear>
        for (const p of LLAMA_PROJECTIONS) linears[p] = await toGpu(`model.layers.${l}.${p}`, layer.linears[p])
        layers.push({ ...layer, linears })
      }
      const lmHead = await toGpu('lm_head', model.lmHead)
      const total = model.layers.length * LLAMA_PROJECTIONS.length + 1
      return { model: { ...model, layers, lmHead }, onGpu: total - onCpu.size, onCpu, release }
    } catch (e) {
      release()
      throw e
    }
  }, toGpuError('withGpuLinears'))
