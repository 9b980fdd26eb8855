export * from './fairy2iApplyGpu.js'
export { fairy2iShaderKey } from './fairy2iApply.wgsl.js'
