// The WebAssembly SIMD kernels of the bidiagonalization panel (LAPACK dlabrd): the two long
// matrix–vector products per column, y = Aᵀ·u and x = A·w over the whole trailing matrix. They are
// memory-bound, so the matrix is not copied per call: the caller puts its work array in this module's
// memory once per decomposition (`panelArena`) and passes element offsets into it.
//
// Process-wide state, as in runtime.ts and for the same reasons: the compiled module and one
// unshared WebAssembly.Memory that grows monotonically and is reused by every call (first touch of
// fresh pages is slow on VMs). Separate from the GEMM's shared memory, so a GEMM called between two
// panel products (the trailing update) never moves or overwrites the panel's data.
// Selected by the same setting as the GEMM kernels: kernel 'ts' (or no WebAssembly SIMD) → null, and
// the callers use the TypeScript gemvKernel instead.
import { PANEL_WASM } from './panel.generated.js'
import { settings } from './settings.js'

export interface PanelRuntime {
  readonly memory: WebAssembly.Memory
  /** y[0:cols] = alpha·Σ_r u[r·incu]·A[r, 0:cols] + beta·y (beta 0 or 1; 0 never reads y); A row-major
   *  with leading dimension lda. All offsets and strides in f64 elements of the arena. */
  readonly gemvT: (a: number, lda: number, rows: number, cols: number, u: number, incu: number, y: number, alpha: number, beta: number) => void
  /** x[r·incx] = alpha·Σ_j A[r, j]·w[j] + beta·x[r·incx] (beta 0 or 1). Offsets, strides in f64 elements. */
  readonly gemvN: (a: number, lda: number, rows: number, cols: number, w: number, x: number, incx: number, alpha: number, beta: number) => void
  /** One pass over Â = A[0:rows, 0:cols] for two consecutive dlabrd columns (offsets in f64 elements):
   *  x[r] = tp·(Â[r, :]·w + x[r]); u = Â[r, 0] + z[r] − x[r]; Â[r, 0] = u; q[0:cols−1] = Σ_{r≥1} u·Â[r, 1:]. */
  readonly gemvFused: (a: number, lda: number, rows: number, cols: number, w: number, x: number, z: number, q: number, tp: number) => void
}

const PAGE = 65536
let state: PanelRuntime | null | undefined

const decodeBase64 = (s: string): Uint8Array<ArrayBuffer> => {
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

const instantiate = (): PanelRuntime | null => {
  if (typeof WebAssembly !== 'object') return null
  const bytes = decodeBase64(PANEL_WASM)
  if (!WebAssembly.validate(bytes)) return null
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 })
  const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as Record<string, unknown>
  type K = (a: number, b: number, c: number, d: number, e: number, f: number, g: number, alpha: number, beta: number) => void
  const t = ex['gemv_t_f64'] as K, nn = ex['gemv_n_f64'] as K
  const fu = ex['gemv_fused_f64'] as (a: number, lda: number, rows: number, cols: number, w: number, x: number, z: number, q: number, tp: number) => void
  return {
    memory,
    gemvT: (a, lda, rows, cols, u, incu, y, alpha, beta) => t(a * 8, lda * 8, rows, cols, u * 8, incu * 8, y * 8, alpha, beta),
    gemvN: (a, lda, rows, cols, w, x, incx, alpha, beta) => nn(a * 8, lda * 8, rows, cols, w * 8, x * 8, incx * 8, alpha, beta),
    gemvFused: (a, lda, rows, cols, w, x, z, q, tp) => fu(a * 8, lda * 8, rows, cols, w * 8, x * 8, z * 8, q * 8, tp),
  }
}

/** The panel kernels, or null when the TypeScript path is selected (setCpuOptions({ kernel: 'ts' }))
 *  or the engine lacks WebAssembly SIMD. */
export const panelRuntime = (): PanelRuntime | null => {
  if (settings.kernel === 'ts') return null
  if (state === undefined) state = instantiate()
  return state
}

/** Largest arena (bytes): beyond it (or if the memory cannot grow) callers use the TypeScript path. */
const MAX_ARENA_BYTES = 2 ** 31

/** A Float64Array over the first `elements` f64 of the panel memory (grown once to fit, never
 *  shrunk), or null when that much memory is not available. Valid until the next panelArena call.
 *  Offsets into it are what gemvT/gemvN/gemvFused take. */
export const panelArena = (rt: PanelRuntime, elements: number): Float64Array | null => {
  if (elements * 8 > MAX_ARENA_BYTES) return null
  const need = Math.ceil((elements * 8) / PAGE)
  const have = rt.memory.buffer.byteLength / PAGE
  if (need > have) {
    try { rt.memory.grow(need - have) } catch (e) { if (e instanceof RangeError) return null; throw e }
  }
  return new Float64Array(rt.memory.buffer, 0, elements)
}
