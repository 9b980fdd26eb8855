// Runs the @lr/svd accuracy tests on one CPU path: kernel 'relaxed-simd', 1 thread(s). The default suite
// (test/*.test.ts) runs the default path (best kernel, all cores); these wrappers re-run the
// accuracy tests with the kernel and thread count fixed, so every path meets the same targets.
import { setCpuOptions } from '../../src/index.js'

setCpuOptions({ kernel: 'relaxed-simd', threads: 1 })
await import('../gemm.test.js')
await import('../qr.test.js')
await import('../cholesky.test.js')
await import('../eigSym.test.js')
await import('../svd.test.js')
