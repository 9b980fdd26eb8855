// The WebAssembly GEMM runtime: feature detection, the one shared memory, and the thread pool.
//
// This file holds the package's only process-wide mutable state, on purpose (like OpenBLAS's thread
// pool): the compiled module, one WebAssembly.Memory that grows monotonically and is reused by every
// call (first touch of fresh pages is slow on VMs, so it is never shrunk or re-created), and the
// workers, started lazily on the first multi-threaded product, reused, and unref'd so they never keep
// a Node process alive. Settings come only from `setCpuOptions` (src/cpuOptions.ts); nothing here
// reads the environment.
import { GEMM_WASM_RELAXED, GEMM_WASM_SIMD, GEMM_SHAPES } from './kernels.generated.js'
import { packItem, runItem, runItems, workerLoop } from './items.js'

export type WasmVariant = 'relaxed-simd' | 'simd'
export interface Shape { readonly mr: number; readonly nr: number }

export interface WasmRuntime {
  readonly variant: WasmVariant
  readonly isShared: boolean
  readonly shapes: { readonly f32: Shape; readonly f64: Shape }
  readonly memory: WebAssembly.Memory
  readonly ex: Record<string, unknown>
  /** Control block view (re-made after a grow of an unshared memory, which detaches the buffer). */
  ctl: Int32Array
  /** Views of the whole memory, refreshed after each grow. */
  f32: Float32Array
  f64: Float64Array
  workers: { terminate(): unknown }[]
  canBlock: boolean
}

/** Bytes reserved at the start of memory for the control block. */
export const DATA_START = 65536
const PAGE = 65536

const decodeBase64 = (s: string): Uint8Array<ArrayBuffer> => {
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** The module bytes with the memory import's `shared` flag cleared (for hosts without
 *  SharedArrayBuffer, e.g. a page that is not cross-origin isolated): single-threaded there. */
const unshare = (bytes: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> => {
  // import section entry: "env" "memory" 0x02 limits-flag(0x03 = shared+max) min max; flip 0x03 → 0x01
  const out = bytes.slice()
  const tag = [0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02] // len 6 "memory", kind memory
  for (let i = 0; i + tag.length < out.length; i++) {
    let hit = true
    for (let j = 0; j < tag.length && hit; j++) hit = out[i + j] === tag[j]
    if (hit && out[i + tag.length] === 0x03) { out[i + tag.length] = 0x01; return out }
  }
  return out
}

let state: WasmRuntime | null | undefined
let forced: WasmVariant | 'ts' | undefined

/** Restricts the kernel choice (tests run every path); `undefined` = best available. */
export const forceVariant = (v: WasmVariant | 'ts' | undefined): void => {
  if (v !== forced) { forced = v; if (state) shutdownPool(state); state = undefined }
}

const hasShared = (): boolean => typeof SharedArrayBuffer === 'function' && (typeof crossOriginIsolated === 'undefined' || crossOriginIsolated)
declare const crossOriginIsolated: boolean | undefined

const instantiate = (variant: WasmVariant): WasmRuntime | null => {
  const raw = decodeBase64(variant === 'relaxed-simd' ? GEMM_WASM_RELAXED : GEMM_WASM_SIMD)
  const shared = hasShared()
  const bytes = shared ? raw : unshare(raw)
  if (!WebAssembly.validate(bytes)) return null
  let memory: WebAssembly.Memory
  try {
    memory = new WebAssembly.Memory({ initial: 2, maximum: 65536, shared } as WebAssembly.MemoryDescriptor)
  } catch {
    return null
  }
  const module = new WebAssembly.Module(bytes)
  const ex = new WebAssembly.Instance(module, { env: { memory } }).exports as Record<string, unknown>
  const shapes = variant === 'relaxed-simd' ? GEMM_SHAPES.relaxed : GEMM_SHAPES.simd
  const ctl = new Int32Array(memory.buffer, 0, 64)
  let canBlock = false
  if (shared) { try { Atomics.wait(ctl, 63, 1, 0); canBlock = true } catch { canBlock = false } }
  const rt: WasmRuntime = {
    variant, isShared: shared, shapes: { f32: shapes.f32, f64: shapes.f64 }, memory, ex, ctl,
    f32: new Float32Array(memory.buffer), f64: new Float64Array(memory.buffer), workers: [], canBlock,
  }
  moduleOf.set(rt, module)
  return rt
}
const moduleOf = new WeakMap<WasmRuntime, WebAssembly.Module>()

/** The runtime, created on first use: relaxed SIMD if the engine validates it, else plain SIMD,
 *  else null (the TypeScript kernels run). */
export const wasmRuntime = (): WasmRuntime | null => {
  if (state !== undefined) return state
  if (forced === 'ts' || typeof WebAssembly !== 'object') { state = null; return state }
  state = null
  if (forced === undefined || forced === 'relaxed-simd') state = instantiate('relaxed-simd')
  if (state === null && forced !== 'relaxed-simd') state = instantiate('simd')
  return state
}

/** Makes sure memory holds DATA_START + bytes; grows once to the size needed, never shrinks. */
export const ensureBytes = (rt: WasmRuntime, bytes: number): void => {
  const need = Math.ceil((DATA_START + bytes) / PAGE)
  const have = rt.memory.buffer.byteLength / PAGE
  if (need > have) {
    rt.memory.grow(need - have)
    rt.f32 = new Float32Array(rt.memory.buffer)
    rt.f64 = new Float64Array(rt.memory.buffer)
    if (!rt.isShared) rt.ctl = new Int32Array(rt.memory.buffer, 0, 64)
  }
}

// ---------------------------------------------------------------------------------------------
// thread pool

const WORKER_SPIN_MS = 2

/** The name a function's source text declares it under (`function NAME(`), which is what the other
 *  functions' bodies call it; `f.name` may differ (a minifier with esbuild's `keepNames` restores the
 *  original name but calls the function by its short one). */
const declaredName = (f: (...args: never[]) => unknown): string => /^function\s*([\w$]+)\s*\(/.exec(f.toString())?.[1] ?? f.name

/** The worker's script: the item functions' own source text, bound to the names they carry now. A
 *  bundler or minifier may rename them (esbuild renames on collisions, `minify` to one letter), so the
 *  text never spells a name: each is declared under its declared name, and the `__lr` names of the
 *  glue cannot collide with a minifier's short names. */
const workerSource = (): string => `"use strict";
${[packItem, runItem, runItems, workerLoop].map((f) => `var ${declaredName(f)} = ${f.toString()};`).join('\n')}
function __lrStart(__lrData) {
  const __lrInst = new WebAssembly.Instance(__lrData.module, { env: { memory: __lrData.memory } });
  const __lrCtl = new Int32Array(__lrData.memory.buffer, 0, 64);
  Atomics.add(__lrCtl, 20, 1);
  ${declaredName(workerLoop)}(__lrInst.exports, __lrCtl, __lrData.wid, __lrData.spinMs);
}
if (typeof require === 'function') { __lrStart(require('node:worker_threads').workerData) }
else { self.onmessage = (__lrEvent) => __lrStart(__lrEvent.data) }
`

interface NodeWorkerCtor { new (src: string, o: { eval: boolean; workerData: unknown }): { unref(): void; terminate(): unknown } }
interface WebWorkerCtor { new (url: string): { postMessage(m: unknown): void; terminate(): unknown } }

const spawnWorker = (rt: WasmRuntime, wid: number): { terminate(): unknown } | null => {
  const data = { module: moduleOf.get(rt), memory: rt.memory, wid, spinMs: WORKER_SPIN_MS }
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  if (typeof proc?.getBuiltinModule === 'function') {
    const { Worker } = proc.getBuiltinModule('node:worker_threads') as { Worker: NodeWorkerCtor }
    const w = new Worker(workerSource(), { eval: true, workerData: data })
    w.unref()
    return w
  }
  const W = (globalThis as { Worker?: WebWorkerCtor }).Worker
  if (typeof W !== 'function' || typeof Blob !== 'function') return null
  const url = URL.createObjectURL(new Blob([workerSource()], { type: 'text/javascript' }))
  const w = new W(url)
  w.postMessage(data)
  return w
}

/** Starts workers until the pool has `n` (the main thread is not counted). Returns how many exist. */
export const ensureWorkers = (rt: WasmRuntime, n: number): number => {
  if (!rt.isShared) return 0
  while (rt.workers.length < n) {
    const w = spawnWorker(rt, rt.workers.length)
    if (w === null) break
    rt.workers.push(w)
  }
  return rt.workers.length
}

/** Workers that have instantiated the module and entered their loop (slot 20). */
export const readyWorkers = (rt: WasmRuntime): number => (rt.isShared ? Atomics.load(rt.ctl, 20) : 0)

/** Starts workers until the pool has `n` and resolves once they run (or after `timeoutMs`), with
 *  how many run. It yields to the event loop while it waits: a browser boots a Web Worker only when
 *  the thread that created it returns to its event loop, so until then every product of a synchronous
 *  run stays on the calling thread (correct, just not parallel). */
export const startWorkers = async (rt: WasmRuntime, n: number, timeoutMs: number): Promise<number> => {
  const want = ensureWorkers(rt, n)
  const t0 = performance.now()
  while (readyWorkers(rt) < want && performance.now() - t0 < timeoutMs) await new Promise((resolve) => setTimeout(resolve, 5))
  return readyWorkers(rt)
}

const shutdownPool = (rt: WasmRuntime): void => {
  Atomics.store(rt.ctl, 7, 1)
  Atomics.notify(rt.ctl, 0)
  for (const w of rt.workers) w.terminate()
  rt.workers = []
}

/** Publishes the job written by `write` (slots 8..19) to `workers` workers, runs items on this
 *  thread too, and returns when every item is done. workers = 0 runs everything here. */
export const runJob = (rt: WasmRuntime, nItems: number, workers: number, write: (ctl: Int32Array) => void): void => {
  const ctl = rt.ctl
  if (workers === 0 || !rt.isShared) {
    write(ctl)
    for (let i = 0; i < nItems; i++) runItem(rt.ex, ctl, i)
    return
  }
  Atomics.add(ctl, 0, 1) // odd: writing
  write(ctl)
  let base = Atomics.load(ctl, 1)
  if (base > 0x3fffffff) { base = 0; Atomics.store(ctl, 1, 0) }
  Atomics.store(ctl, 3, base)
  Atomics.store(ctl, 4, base + nItems)
  Atomics.store(ctl, 2, 0)
  Atomics.store(ctl, 6, workers)
  Atomics.add(ctl, 0, 1) // even: published
  if (Atomics.load(ctl, 5) > 0) Atomics.notify(ctl, 0)
  runItems(rt.ex, ctl)
  let spins = 0
  for (;;) {
    const d = Atomics.load(ctl, 2)
    if (d >= nItems) break
    if (rt.canBlock && ++spins > 4096) Atomics.wait(ctl, 2, d, 1)
  }
}
