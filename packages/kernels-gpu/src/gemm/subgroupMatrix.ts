import type { GpuContext, SubgroupMatrixConfig } from '../context.js'
import { FeatureMissing, GpuOperationFailed, InvalidArgument } from '../errors.js'
import { pipelineFor } from '../internal/run.js'
import { subgroupMatrixWgsl, type SubgroupMatrixSyntax, type SubgroupMatrixVariant } from './subgroupMatrix.wgsl.js'

export const SUBGROUP_MATRIX_FEATURE = 'chromium-experimental-subgroup-matrix'

/** The f16 × f16 → f32 configuration with the largest fragment, or undefined. */
export const pickSubgroupMatrixConfig = (configs: readonly SubgroupMatrixConfig[]): SubgroupMatrixConfig | undefined =>
  configs.filter((c) => c.componentType === 'f16' && c.resultComponentType === 'f32').sort((a, b) => b.M * b.N * b.K - a.M * a.N * a.K)[0]

export interface SubgroupMatrixPlan {
  readonly pipeline: GPUComputePipeline
  readonly key: string
  readonly bm: number
  readonly bn: number
  readonly m0: number
  readonly n0: number
  readonly k0: number
}

/**
 * The subgroup-matrix GEMM pipeline for this adapter (2×2 fragments per subgroup, one subgroup per
 * workgroup). Compiles the current builtin spelling and falls back to the older one. Errors: the feature
 * or an f16→f32 configuration is missing; shapes not multiples of the fragment.
 */
export const subgroupMatrixPlan = async (ctx: GpuContext, op: string, transA: boolean, m: number, n: number, k: number): Promise<SubgroupMatrixPlan> => {
  if (!ctx.features.has(SUBGROUP_MATRIX_FEATURE)) throw new FeatureMissing(op, SUBGROUP_MATRIX_FEATURE, `${ctx.adapterInfo.description || 'this adapter'} has no tensor-core path in WebGPU; use kernel: 'tiled'`)
  if (!ctx.features.has('shader-f16')) throw new FeatureMissing(op, 'shader-f16', "use kernel: 'tiled'")
  const cfg = pickSubgroupMatrixConfig(ctx.adapterInfo.subgroupMatrixConfigs)
  if (!cfg) throw new FeatureMissing(op, `${SUBGROUP_MATRIX_FEATURE} (f16 → f32 configuration)`, `the adapter offers ${JSON.stringify(ctx.adapterInfo.subgroupMatrixConfigs)}; use kernel: 'tiled'`)
  const tm = 2, tn = 2
  if (m % (cfg.M * tm) !== 0 || n % (cfg.N * tn) !== 0 || k % cfg.K !== 0)
    throw new InvalidArgument(op, 'shape', `the subgroup-matrix kernel needs M % ${cfg.M * tm} = N % ${cfg.N * tn} = K % ${cfg.K} = 0, got M=${m} N=${n} K=${k}; use kernel: 'tiled' or pad`)
  const wg = Math.max(ctx.adapterInfo.subgroupMaxSize, 1)
  let lastError: unknown
  for (const syntax of ['template', 'bool-arg'] as const satisfies readonly SubgroupMatrixSyntax[]) {
    const v: SubgroupMatrixVariant = { m0: cfg.M, n0: cfg.N, k0: cfg.K, tm, tn, wg, transA, syntax }
    const key = `gemm:f16:${transA ? 'tn' : 'nn'}:sgmat${cfg.M}x${cfg.N}x${cfg.K}:f${tm}x${tn}:wg${wg}:${syntax}`
    try {
      const pipeline = await pipelineFor(ctx, op, key, subgroupMatrixWgsl(v))
      return { pipeline, key, bm: cfg.M * tm, bn: cfg.N * tn, m0: cfg.M, n0: cfg.N, k0: cfg.K }
    } catch (e) {
      lastError = e
    }
  }
  throw lastError instanceof GpuOperationFailed ? lastError : new GpuOperationFailed(op, 'shader', String(lastError))
}
