// Plugs the WebAssembly SIMD GEMM into the kernel seam (src/internal/gemmKernel.ts):
// `withCpuGemm(reference)` returns a GemmFn that sends a product to the wasm kernels when they are
// available, enabled, and the product is large enough to gain, and to `reference` otherwise.
import type { GemmFn } from '../gemmKernel.js'
import { wasmRuntime } from './runtime.js'
import { gemmWasm, keepResident } from './gemmWasm.js'
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

/** Smallest matrix (elements) worth keeping resident: below it, copying per product is cheap. */
const MIN_RESIDENT = 1 << 16

/** Runs `fn`, during which the products may read the view from a copy kept in the kernel's memory
 *  (the view must not change while fn runs: fn is synchronous and the caller owns it). */
export const withResidentCpu = <R>(data: Float32Array | Float64Array, off: number, s0: number, s1: number, rows: number, cols: number, fn: () => R): R => {
  const rt = settings.kernel !== 'ts' && rows * cols >= MIN_RESIDENT ? wasmRuntime() : null
  const release = rt === null ? null : keepResident(rt, data, off, s0, s1, rows, cols)
  try { return fn() } finally { if (release !== null) release() }
}
