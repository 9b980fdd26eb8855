export { gemvGpu, gemvGpuMat } from './gemvGpu.js'
export type { GemvGpuOptions } from './gemvGpu.js'
