export { packedMatmulGpu, uploadPackedWeight } from './packedMatmulGpu.js'
export type { GpuPackedWeight, PackedCodebook4, PackedIntK, PackedWeight } from './packedMatmulGpu.js'
