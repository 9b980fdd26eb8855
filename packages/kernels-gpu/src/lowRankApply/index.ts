export { lowRankApplyGpu, uploadLowRank } from './lowRankApplyGpu.js'
export type { GpuLowRank, LowRankFactors } from './lowRankApplyGpu.js'
