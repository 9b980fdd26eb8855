import { InvalidArgument } from './errors.js'
import { activeKernel } from './internal/wasm/cpuGemm.js'
import { readyWorkers, startWorkers, wasmRuntime } from './internal/wasm/runtime.js'
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
  /** Threads a large product may use: the `threads` setting, or 1 where WebAssembly memory cannot be
   *  shared (a browser page that is not cross-origin isolated: no SharedArrayBuffer). */
  readonly threads: number
  /** Pool workers running now (the calling thread not counted): 0 until the first multi-threaded
   *  product or {@link startCpuWorkers}, and always 0 where memory cannot be shared. */
  readonly workers: number
}

/** Options of {@link startCpuWorkers}.  @since 0.1.0  @category cpu */
export interface StartCpuWorkersOptions {
  /** Give up waiting for the workers after this long (the products stay correct with fewer).  @default 10000 */
  readonly timeoutMs?: number
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
 * const info = setCpuOptions({ threads: 1 })   // info.kernel = 'relaxed-simd', info.threads = 1 on Node 22
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
  const rt = kernel === 'ts' ? null : wasmRuntime()
  const isUnshared = rt !== null && !rt.isShared
  return { kernel, simdBits: kernel === 'ts' ? 64 : 128, threads: isUnshared ? 1 : settings.threads, workers: rt === null ? 0 : readyWorkers(rt) }
}

/**
 * Starts the worker pool for the current `threads` setting now, and resolves with {@link cpuInfo} once
 * the workers run. Optional: the first multi-threaded product starts the pool by itself. In a browser,
 * though, a Web Worker boots only after the thread that created it returns to its event loop, so the
 * products of one synchronous run that starts the pool all compute on the calling thread; await this
 * once first (at page load, or after `setCpuOptions`) to have every thread from the first product.
 * Resolves at once, starting nothing, where memory cannot be shared (a page without cross-origin
 * isolation) or with `threads: 1` or kernel 'ts'. A bad option throws InvalidArgument (synchronously).
 * @example
 * import { setCpuOptions, startCpuWorkers } from '@lr/svd'
 * setCpuOptions({ threads: 2 })
 * const info = await startCpuWorkers()   // info.workers = 1 (plus the calling thread) where memory can be shared
 * @since 0.1.0  @category cpu
 */
export const startCpuWorkers = (opts: StartCpuWorkersOptions = {}): Promise<CpuInfo> => {
  const timeoutMs = opts.timeoutMs ?? 10000
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
    throw new InvalidArgument('startCpuWorkers', 'timeoutMs', `must be a finite number ≥ 0, got ${timeoutMs}`)
  }
  const rt = settings.kernel === 'ts' ? null : wasmRuntime()
  if (rt === null || !rt.isShared || settings.threads <= 1) return Promise.resolve(cpuInfo())
  return startWorkers(rt, settings.threads - 1, timeoutMs).then(() => cpuInfo())
}
