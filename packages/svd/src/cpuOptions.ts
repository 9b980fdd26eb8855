import { InvalidArgument } from './errors.js'
import { activeKernel } from './internal/wasm/cpuGemm.js'
import { applySettings, settings, type CpuKernel } from './internal/wasm/settings.js'

/** Options of {@link setCpuOptions}.  @since 0.1.0  @category cpu */
export interface CpuOptions {
  /** Threads for large products (this thread + workers); 0 = all cores.  @default all cores */
  readonly threads?: number
  /** Kernel family: 'auto' picks relaxed SIMD (FMA), else plain SIMD, else TypeScript.  @default 'auto' */
  readonly kernel?: CpuKernel
}

/** What the CPU products run on now. */
export interface CpuInfo {
  /** The kernel in use: 'relaxed-simd' (WebAssembly SIMD with FMA), 'simd' (mul + add), 'ts' (plain TypeScript). */
  readonly kernel: 'relaxed-simd' | 'simd' | 'ts'
  /** Vector width of the kernel in bits (128 for WebAssembly SIMD, 64 = one f64 for TypeScript). */
  readonly simdBits: number
  /** Threads a large product may use. */
  readonly threads: number
}

/**
 * Sets the process-wide CPU settings of every @lr/svd product (GEMM and the decompositions built on
 * it): thread count and kernel family. Like a BLAS library's thread setting, this is global state on
 * purpose: one worker pool and one WebAssembly memory serve the whole process. The pool starts
 * lazily on the first large multi-threaded product, is reused, and never keeps Node alive.
 * The `lr` CLI maps `LR_THREADS` and `--threads` to `threads`; packages never read the environment.
 * Returns the resulting {@link CpuInfo}. A bad value throws InvalidArgument.
 * @example
 * import { setCpuOptions } from '@lr/svd'
 * const info = setCpuOptions({ threads: 1 })   // { kernel: 'relaxed-simd', simdBits: 128, threads: 1 } on Node 22
 * @since 0.1.0  @category cpu
 */
export const setCpuOptions = (opts: CpuOptions): CpuInfo => {
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 0 && opts.threads <= 1024)) {
    throw new InvalidArgument('setCpuOptions', 'threads', `must be an integer in [0, 1024] (0 = all cores), got ${opts.threads}`)
  }
  if (opts.kernel !== undefined && !['auto', 'relaxed-simd', 'simd', 'ts'].includes(opts.kernel)) {
    throw new InvalidArgument('setCpuOptions', 'kernel', `must be 'auto', 'relaxed-simd', 'simd' or 'ts', got ${String(opts.kernel)}`)
  }
  applySettings(opts.threads, opts.kernel)
  return cpuInfo()
}

/**
 * The kernel and thread count the CPU products use now.
 * @example
 * import { cpuInfo } from '@lr/svd'
 * console.log(cpuInfo().kernel)   // 'relaxed-simd' on Node ≥ 22
 * @since 0.1.0  @category cpu
 */
export const cpuInfo = (): CpuInfo => {
  const kernel = activeKernel()
  return { kernel, simdBits: kernel === 'ts' ? 64 : 128, threads: settings.threads }
}
