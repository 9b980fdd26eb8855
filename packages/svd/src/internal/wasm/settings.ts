// Process-wide CPU settings (threads, kernel choice), written only by the public setCpuOptions
// (src/cpuOptions.ts). Read by the kernel seam on each product. See runtime.ts for why this state is
// module-level (one pool and one memory per process, like a BLAS library's thread settings).
import { forceVariant } from './runtime.js'

export type CpuKernel = 'auto' | 'relaxed-simd' | 'simd' | 'ts'

const hardwareThreads = (): number => {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator
  const n = nav?.hardwareConcurrency
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : 1
}

export const settings = { threads: hardwareThreads(), kernel: 'auto' as CpuKernel }

export const applySettings = (threads: number | undefined, kernel: CpuKernel | undefined): void => {
  if (threads !== undefined) settings.threads = threads === 0 ? hardwareThreads() : threads
  if (kernel !== undefined && kernel !== settings.kernel) {
    settings.kernel = kernel
    forceVariant(kernel === 'auto' ? undefined : kernel)
  }
}
