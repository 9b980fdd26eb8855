// The page's script (bundled by esbuild with @lr/svd): exposes the shared cases to the driver, which
// calls them through Runtime.evaluate (`lrCheck.runConfig(...)`), and fetches an output's bytes
// (`lrCheck.output(name)`, base64) only where its digest differs from Node's.
// The same module also runs as a dedicated Web Worker (`await lrCheck.inWorker()` in the page): the
// way a site keeps its page responsive, where @lr/svd's pool then starts nested workers.
import type { Float } from '@lr/svd'
import { CONFIGS, base64, environment, runConfig, sgemmThroughput, type Config } from './cases.ts'

const last = new Map<string, Float>()
const api = {
  CONFIGS, environment, sgemmThroughput,
  runConfig: (config: Config, seed: number) => runConfig(config, seed, last),
  output: (name: string): string | null => { const x = last.get(name); return x === undefined ? null : base64(x) },
}
type Api = typeof api
type Remote = { [K in keyof Api]: Api[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never }

interface Message { readonly id: number; readonly method: keyof Api; readonly args: unknown[] }

/** Starts this module as a dedicated module worker; resolves with the same API, called over postMessage. */
const inWorker = async (): Promise<Remote> => {
  const w = new Worker(import.meta.url, { type: 'module' })
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>()
  w.onmessage = (e: MessageEvent<{ id: number; value?: unknown; error?: string }>) => {
    const p = pending.get(e.data.id)
    pending.delete(e.data.id)
    if (e.data.error !== undefined) p?.reject(new Error(`in the worker: ${e.data.error}`))
    else p?.resolve(e.data.value)
  }
  w.onerror = (e) => { for (const p of pending.values()) p.reject(new Error(`worker error: ${e.message}`)); pending.clear() }
  let next = 0
  const call = (method: keyof Api, args: unknown[]): Promise<unknown> => new Promise((resolve, reject) => {
    const id = next++
    pending.set(id, { resolve, reject })
    w.postMessage({ id, method, args } satisfies Message)
  })
  const remote = Object.fromEntries((['environment', 'sgemmThroughput', 'runConfig', 'output'] as const).map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as Remote
  await remote.environment()   // the module has loaded and answers
  return remote
}

const isWorkerScope = typeof document === 'undefined'
if (isWorkerScope) {
  self.onmessage = async (e: MessageEvent<Message>) => {
    const { id, method, args } = e.data
    try {
      const value = await (api[method] as (...a: unknown[]) => unknown)(...args)
      self.postMessage({ id, value })
    } catch (err) {
      self.postMessage({ id, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) })
    }
  }
} else {
  ;(globalThis as { lrCheck?: unknown }).lrCheck = { ...api, inWorker }
}
