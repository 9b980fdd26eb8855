// WebGPU's usage and map-mode bit values (fixed by the spec). Node's `webgpu` package does not install
// GPUBufferUsage/GPUMapMode as globals unless the caller copies `globals` onto globalThis, which we never require.
export const Usage = { MAP_READ: 0x1, MAP_WRITE: 0x2, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const
export const MapMode = { READ: 0x1, WRITE: 0x2 } as const
