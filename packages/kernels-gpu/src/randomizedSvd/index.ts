export { randomizedSvdGpu } from './randomizedSvdGpu.js'
export type { RandomizedSvdGpuOptions, GpuSvdResult } from './randomizedSvdGpu.js'
export { gpuLinearOperator } from './gpuLinearOperator.js'
