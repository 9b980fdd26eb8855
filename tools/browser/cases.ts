// The computations the browser check runs, shared verbatim by the page (bundled by esbuild) and by
// Node (imported directly), so both sides compute the same thing from the same seeds.
import { cpuInfo, gemm, matrix, qr, seededRng, setCpuOptions, startCpuWorkers, svd, transpose, type Float, type Mat } from '@lr/svd'

export type Kernel = 'relaxed-simd' | 'simd' | 'ts'
export interface Config { readonly kernel: Kernel; readonly threads: number }
/** One result: a name, the dtype, the length and a 64-bit digest of the output's bytes (the bytes
 *  themselves stay where they were computed: a few MB per run would cost seconds over the CDP). */
export interface Output { readonly name: string; readonly dtype: 'f32' | 'f64'; readonly length: number; readonly digest: string }
export interface ConfigResult {
  readonly config: Config
  /** What cpuInfo() reported after the run. */
  readonly info: { readonly kernel: Kernel; readonly threads: number; readonly workers: number }
  readonly outputs: readonly Output[]
  readonly ms: number
}
export interface Environment {
  readonly isCrossOriginIsolated: boolean
  readonly hasSharedArrayBuffer: boolean
  readonly hardwareConcurrency: number
  readonly userAgent: string
}
export interface Throughput { readonly config: Config; readonly n: number; readonly gflops: number; readonly medianMs: number }

/** Every path of the issue: relaxed SIMD, plain SIMD and TypeScript, 1 and 2 threads. */
export const CONFIGS: readonly Config[] = [
  { kernel: 'relaxed-simd', threads: 1 }, { kernel: 'relaxed-simd', threads: 2 },
  { kernel: 'simd', threads: 1 }, { kernel: 'simd', threads: 2 },
  { kernel: 'ts', threads: 1 }, { kernel: 'ts', threads: 2 },
]

/** Odd GEMM shapes [m, n, k]: under the wasm size threshold (TypeScript kernel), just over it, not a
 *  multiple of any tile (MR 4/6, NR 8, KC 256, MC 192), and a large one that the thread split covers. */
export const GEMM_SHAPES: readonly (readonly [number, number, number])[] = [[5, 7, 3], [37, 41, 29], [131, 97, 263], [200, 301, 517]]
export const QR_SHAPE = [150, 97] as const
export const SVD_N = 256

/** Fills x with uniform values in [−0.5, 0.5) from @lr/svd's `seededRng` (plain integer arithmetic:
 *  the same bits on every engine). */
export const fillUniform = <T extends Float>(x: T, seed: number): T => {
  const rng = seededRng(seed)
  for (let i = 0; i < x.length; i++) x[i] = rng.uniform() - 0.5
  return x
}

/** Two 32-bit multiplicative hashes (FNV-1a and a MurmurHash2-style mix) over the 32-bit words of x:
 *  equal bytes give equal digests; a difference is caught unless it collides in both. */
export const digest = (x: Float): string => {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.byteLength / 4)
  let h1 = 0x811c9dc5, h2 = 0x9747b28c ^ u.length
  for (let i = 0; i < u.length; i++) {
    h1 = Math.imul(h1 ^ u[i]!, 16777619)
    let k = Math.imul(u[i]!, 0x5bd1e995); k ^= k >>> 24
    h2 = Math.imul(h2, 0x5bd1e995) ^ Math.imul(k, 0x5bd1e995)
  }
  h2 ^= h2 >>> 13; h2 = Math.imul(h2, 0x5bd1e995); h2 ^= h2 >>> 15
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0')
}

/** The bytes of x, base64 (survives JSON and the CDP). */
export const base64 = (x: Float): string => {
  const u8 = new Uint8Array(x.buffer, x.byteOffset, x.byteLength)
  let s = ''
  for (let i = 0; i < u8.length; i += 0x8000) s += String.fromCharCode(...u8.subarray(i, i + 0x8000))
  return btoa(s)
}

/** Contiguous copy of a (possibly strided) Mat's elements, row-major. */
const rowMajor = <T extends Float>(m: Mat<T>): T => {
  const [r, c] = m.shape
  const out = new (m.data.constructor as new (n: number) => T)(r * c)
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!
  return out
}

const random = (dtype: 'f32' | 'f64', rows: number, cols: number, seed: number): Mat =>
  matrix(fillUniform(dtype === 'f32' ? new Float32Array(rows * cols) : new Float64Array(rows * cols), seed), rows, cols)

/** Runs every case under `config` (setCpuOptions and startCpuWorkers first) and returns the outputs'
 *  digests; `keep` receives the outputs themselves, by name. */
export const runConfig = async (config: Config, seed: number, keep?: Map<string, Float>): Promise<ConfigResult> => {
  setCpuOptions(config)
  await startCpuWorkers()
  const t0 = performance.now()
  const outputs: Output[] = []
  keep?.clear()
  const put = (name: string, x: Float): void => {
    outputs.push({ name, dtype: x instanceof Float32Array ? 'f32' : 'f64', length: x.length, digest: digest(x) })
    keep?.set(name, x)
  }
  let s = seed
  for (const dtype of ['f32', 'f64'] as const) {
    for (const [m, n, k] of GEMM_SHAPES) {
      for (const ta of [false, true]) for (const tb of [false, true]) {
        // op(A) [m, k], op(B) [k, n]: a transposed operand is stored [k, m] / [n, k] and viewed transposed.
        const a = ta ? transpose(random(dtype, k, m, ++s)) : random(dtype, m, k, ++s)
        const b = tb ? transpose(random(dtype, n, k, ++s)) : random(dtype, k, n, ++s)
        const c = gemm(a, b)
        put(`${dtype === 'f32' ? 's' : 'd'}gemm ${ta ? 'T' : 'N'}${tb ? 'T' : 'N'} ${m}x${n}x${k}`, rowMajor(c))
      }
      // alpha, beta and a column-major output view
      const a = random(dtype, m, k, ++s), b = random(dtype, k, n, ++s)
      const out = transpose(random(dtype, n, m, ++s))
      put(`${dtype === 'f32' ? 's' : 'd'}gemm NN α=1.5 β=−0.25 out=colmajor ${m}x${n}x${k}`, rowMajor(gemm(a, b, { alpha: 1.5, beta: -0.25, out })))
    }
    const { q, r } = qr(random(dtype, QR_SHAPE[0], QR_SHAPE[1], ++s))
    put(`qr ${dtype} q ${QR_SHAPE[0]}x${QR_SHAPE[1]}`, rowMajor(q))
    put(`qr ${dtype} r ${QR_SHAPE[0]}x${QR_SHAPE[1]}`, rowMajor(r))
    put(`svd ${dtype} values ${SVD_N}x${SVD_N}`, svd(random(dtype, SVD_N, SVD_N, ++s), { mode: 'values' }).s)
  }
  const now = cpuInfo()
  return { config, info: { kernel: now.kernel, threads: now.threads, workers: now.workers }, outputs, ms: performance.now() - t0 }
}

/** sgemm n×n×n GFLOP/s under `config`: median of `reps` runs after one warm-up (out reused). */
export const sgemmThroughput = async (config: Config, n: number, reps: number): Promise<Throughput> => {
  setCpuOptions(config)
  await startCpuWorkers()
  const a = random('f32', n, n, 1), b = random('f32', n, n, 2)
  const out = matrix(new Float32Array(n * n), n, n)
  gemm(a, b, { out, checkFinite: false })
  const ms: number[] = []
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now()
    gemm(a, b, { out, checkFinite: false })
    ms.push(performance.now() - t0)
  }
  ms.sort((x, y) => x - y)
  const medianMs = ms[ms.length >> 1]!
  return { config, n, medianMs, gflops: (2 * n ** 3) / (medianMs * 1e6) }
}

export const environment = (): Environment => {
  const g = globalThis as { crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number; userAgent?: string } }
  return {
    isCrossOriginIsolated: g.crossOriginIsolated === true,
    hasSharedArrayBuffer: typeof SharedArrayBuffer === 'function',
    hardwareConcurrency: g.navigator?.hardwareConcurrency ?? 0,
    userAgent: g.navigator?.userAgent ?? '',
  }
}
