import type { GpuContext } from '../context.js'
import { FeatureMissing } from '../errors.js'
import type { Dispatch } from '../internal/run.js'
import type { GpuMat } from '../transfer/gpuMat.js'
import type { GemmGpuOptions } from './gemmGpu.js'

export const subgroupMatrixDispatches = async (ctx: GpuContext, op: string, _a: GpuMat, _b: GpuMat, _c: GpuMat, _opts: GemmGpuOptions): Promise<Dispatch[]> => {
  throw new FeatureMissing(op, 'chromium-experimental-subgroup-matrix', `not implemented yet on ${ctx.adapterInfo.description}`)
}
