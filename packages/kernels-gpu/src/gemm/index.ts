export { gemmGpu, gemmGpuMat, gemmShaderKey } from './gemmGpu.js'
export type { GemmGpuOptions } from './gemmGpu.js'
