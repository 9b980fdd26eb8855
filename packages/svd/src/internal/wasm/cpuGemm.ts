// Plugs the WebAssembly SIMD GEMM into the kernel seam (src/internal/gemmKernel.ts):
// `withCpuGemm(reference)` returns a GemmFn that sends a product to the wasm kernels when they are
// available, enabled, and the product is large enough to gain, and to `reference` otherwise.
import type { GemmFn } from '../gemmKernel.js'
import { wasmRuntime } from './runtime.js'
import { gemmWasm } from './gemmWasm.js'
import { settings } from './settings.js'


/** Products with fewer multiply-adds, or a side narrower than this, stay on the TypeScript path
 *  (packing into 8-wide slivers would dominate; gemv-like shapes belong to gemvKernel). */
const MIN_MADDS = 32 * 32 * 32
const MIN_SIDE = 4

export const withCpuGemm = (reference: GemmFn): GemmFn =>
  (m, n, k, alpha, a, as0, as1, ao, b, bs0, bs1, bo, beta, c, cs0, cs1, co) => {
    if (settings.kernel !== 'ts' && m >= MIN_SIDE && n >= MIN_SIDE && k >= 1 && m * n * k >= MIN_MADDS && alpha !== 0 &&
      a.constructor === b.constructor && a.constructor === c.constructor) {
      const rt = wasmRuntime()
      if (rt !== null) {
        gemmWasm(rt, settings.threads, m, n, k, alpha, a, as0, as1, ao, b, bs0, bs1, bo, beta, c, cs0, cs1, co)
        return
      }
    }
    reference(m, n, k, alpha, a, as0, as1, ao, b, bs0, bs1, bo, beta, c, cs0, cs1, co)
  }

/** Which kernel a product of this dtype runs on now ('ts' when WebAssembly SIMD is missing or off). */
export const activeKernel = (): 'relaxed-simd' | 'simd' | 'ts' => {
  if (settings.kernel === 'ts') return 'ts'
  return wasmRuntime()?.variant ?? 'ts'
}
