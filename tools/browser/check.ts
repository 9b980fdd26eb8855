// The browser check: bundles @lr/svd with esbuild, serves it (cross-origin isolated and not), runs
// every kernel path × 1 and 2 threads in headless Chromium and the same computations in this Node
// process, and compares the outputs bit for bit (reporting the largest relative difference where they
// differ). Optionally measures sgemm GFLOP/s in the browser and in Node.
//
//   node tools/browser/check.ts [--seed N] [--sgemm N] [--reps N] [--rounds N] [--no-sgemm] [--no-minify] [--json]
//
// Exit status 0 when every output matches (see `tolerance` below), 1 otherwise, 2 without Chromium.
import { build } from 'esbuild'
import { fileURLToPath } from 'node:url'
import { Browser, findChromium, type LogEntry } from './chromium.ts'
import type { Float } from '@lr/svd'
import { CONFIGS, digest, runConfig, sgemmThroughput, type Config, type ConfigResult, type Environment, type Throughput } from './cases.ts'
import { serve } from './server.ts'

/** isolated: a cross-origin isolated page; plain: one without COOP/COEP (the fallback); worker: the
 *  isolated page running the cases in a dedicated Web Worker of its own (the pool's workers nest). */
export type PageKind = 'isolated' | 'plain' | 'worker'
export interface PageReport {
  readonly page: PageKind
  readonly env: Environment
  readonly results: readonly ConfigResult[]
  readonly throughput: readonly Throughput[]
  readonly log: readonly LogEntry[]
}
export interface Mismatch { readonly page: string; readonly config: Config; readonly name: string; readonly maxRelDiff: number }
export interface CheckReport {
  readonly chromium: string
  readonly node: { readonly version: string; readonly results: readonly ConfigResult[]; readonly throughput: readonly Throughput[] }
  readonly pages: readonly PageReport[]
  /** Outputs compared (browser vs Node, same kernel and thread count). */
  readonly compared: number
  /** Of those, bit-identical. */
  readonly identical: number
  /** The rest, with max |browser − node| / max |node|. */
  readonly differing: readonly Mismatch[]
  /** Differences in Node between threads 1 and threads 2 of one kernel (the kernels are meant to be deterministic). */
  readonly threadDiffs: readonly Mismatch[]
  readonly problems: readonly string[]
}

export interface CheckOptions {
  readonly chromium: string
  readonly seed?: number
  readonly configs?: readonly Config[]
  /** sgemm size for the GFLOP/s figure, null = skip.  @default 1024 */
  readonly sgemmN?: number | null
  readonly reps?: number
  /** Alternating browser/Node rounds of `reps` products each for the GFLOP/s figures.  @default 3 */
  readonly rounds?: number
  /** Minify the page bundle.  @default true */
  readonly minify?: boolean
  readonly progress?: (line: string) => void
}

/** The page script: cases.ts and @lr/svd in one ES module (minified: what a site ships, and what
 *  renames the functions the worker pool sends to its workers as source text). */
export const bundlePage = async (opts: { readonly minify: boolean }): Promise<string> => {
  const r = await build({
    entryPoints: [fileURLToPath(new URL('page.ts', import.meta.url))],
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', write: false, logLevel: 'silent', minify: opts.minify,
  })
  return r.outputFiles[0]!.text
}

const decode = (b64: string, dtype: 'f32' | 'f64'): Float => {
  const bytes = Buffer.from(b64, 'base64')
  const u8 = new Uint8Array(bytes.length)
  u8.set(bytes)
  return dtype === 'f32' ? new Float32Array(u8.buffer) : new Float64Array(u8.buffer)
}

/** max |a − b| / max |b| over the elements (0 when bit-identical; Infinity on a length mismatch or NaN). */
const relDiff = (a: Float, b: Float): number => {
  if (a.length !== b.length) return Infinity
  if (digest(a) === digest(b)) return 0
  let d = 0, s = 0
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i]! - b[i]!)); s = Math.max(s, Math.abs(b[i]!)) }
  return Number.isNaN(d) ? Infinity : d / (s || 1)
}

/** The round whose median time is the median of the rounds' (the middle one; the faster of the two middle ones). */
const medianOf = (rounds: readonly Throughput[]): Throughput => [...rounds].sort((a, b) => a.medianMs - b.medianMs)[(rounds.length - 1) >> 1]!

const key = (c: Config): string => `${c.kernel}×${c.threads}`

/** Same computation, different rounding (e.g. another summation order) stays below this; a real
 *  bug is O(1). f32 with k ≤ 517: ~k·2⁻²⁴ ≈ 3e-5 worst case for the products. */
export const TOLERANCE = 1e-4

export const runCheck = async (opts: CheckOptions): Promise<CheckReport> => {
  const seed = opts.seed ?? 1
  const configs = opts.configs ?? CONFIGS
  const sgemmN = opts.sgemmN === undefined ? 1024 : opts.sgemmN
  const reps = opts.reps ?? 5
  const nRounds = opts.rounds ?? 3
  const say = opts.progress ?? ((): void => undefined)
  const problems: string[] = []

  say('node: computing the reference outputs')
  const nodeResults: ConfigResult[] = []
  const nodeValues = new Map<string, Map<string, Float>>()
  for (const c of configs) { const keep = new Map<string, Float>(); nodeResults.push(await runConfig(c, seed, keep)); nodeValues.set(key(c), keep) }
  const nodeRounds: Throughput[][] = [[], []]

  const threadDiffs: Mismatch[] = []
  for (const r of nodeResults) {
    const one = nodeResults.find((q) => q.config.kernel === r.config.kernel && q.config.threads === 1)
    if (one === undefined || one === r) continue
    const mine = nodeValues.get(key(r.config))!, ones = nodeValues.get(key(one.config))!
    for (const o of r.outputs) { const d = relDiff(mine.get(o.name)!, ones.get(o.name)!); if (d !== 0) threadDiffs.push({ page: 'node', config: r.config, name: o.name, maxRelDiff: d }) }
  }

  say('bundling the page (esbuild)')
  const bundle = await bundlePage({ minify: opts.minify ?? true })
  const server = await serve(bundle)
  let browser: Browser
  try { browser = await Browser.launch(opts.chromium) } catch (e) { await server.close(); throw e }
  const pages: PageReport[] = []
  let compared = 0, identical = 0
  const differing: Mismatch[] = []
  const differ: { kind: PageKind; c: Config; o: ConfigResult['outputs'][number] }[] = []
  try {
    for (const kind of ['isolated', 'plain', 'worker'] as const) {
      say(`chromium: ${kind} page`)
      const page = await browser.open(`${server.origin}/${kind === 'plain' ? 'plain' : 'isolated'}/index.html`)
      await page.evaluate('new Promise((r) => { const f = () => globalThis.lrCheck ? r(0) : setTimeout(f, 10); f() })')
      if (kind === 'worker') await page.evaluate('lrCheck.inWorker().then((w) => { globalThis.lrCheckWorker = w; return 0 })')
      const api = kind === 'worker' ? 'lrCheckWorker' : 'lrCheck'
      const env = await page.evaluate<Environment>(`${api}.environment()`)
      const results: ConfigResult[] = []
      // the TypeScript kernel does not depend on the page: the plain and worker pages run the wasm paths
      for (const c of kind === 'isolated' ? configs : configs.filter((x) => x.kernel !== 'ts')) {
        const r = await page.evaluate<ConfigResult>(`${api}.runConfig(${JSON.stringify(c)}, ${seed})`)
        results.push(r)
        const ref = nodeResults.find((q) => key(q.config) === key(c))!
        r.outputs.forEach((o, i) => {
          const n = ref.outputs[i]!
          compared++
          if (o.name !== n.name || o.length !== n.length) { problems.push(`${kind} ${key(c)}: output ${i} is ${o.name} [${o.length}], Node's is ${n.name} [${n.length}]`); return }
          if (o.digest === n.digest) { identical++; return }
          differ.push({ kind, c, o })
        })
        // the bytes of the differing outputs, while the page still holds them
        for (const { o } of differ.splice(0)) {
          const b64 = await page.evaluate<string | null>(`${api}.output(${JSON.stringify(o.name)})`)
          const d = b64 === null ? Infinity : relDiff(decode(b64, o.dtype), nodeValues.get(key(c))!.get(o.name)!)
          differing.push({ page: kind, config: c, name: o.name, maxRelDiff: d })
          if (!(d <= TOLERANCE)) problems.push(`${kind} ${key(c)} ${o.name}: browser vs Node max rel diff ${d.toExponential(2)} > ${TOLERANCE}`)
        }
      }
      // GFLOP/s: rounds alternating this page and Node (the isolated page's rounds also give Node's figure),
      // so that both see the same load on a shared machine; each figure is the median of the round medians
      const rounds: Throughput[][] = [[], []]
      if (sgemmN !== null && kind !== 'plain') {
        for (let round = 0; round < nRounds; round++) {
          for (const threads of [1, 2]) {
            const config: Config = { kernel: 'relaxed-simd', threads }
            rounds[threads - 1]!.push(await page.evaluate<Throughput>(`${api}.sgemmThroughput(${JSON.stringify(config)}, ${sgemmN}, ${reps})`))
            if (kind === 'isolated') nodeRounds[threads - 1]!.push(await sgemmThroughput(config, sgemmN, reps))
          }
        }
      }
      const throughput = rounds.filter((r) => r.length > 0).map(medianOf)
      pages.push({ page: kind, env, results, throughput, log: [...page.log] })
      await page.close()
    }
  } finally {
    // the server is closed even if closing the browser fails (an open server keeps the test alive)
    try { await browser.close() } finally { await server.close() }
  }

  for (const p of pages) {
    if (p.page !== 'plain' && !(p.env.isCrossOriginIsolated && p.env.hasSharedArrayBuffer)) problems.push(`the ${p.page} page is not cross-origin isolated (check the COOP/COEP headers)`)
    if (p.page === 'plain' && p.env.isCrossOriginIsolated) problems.push('the plain page is cross-origin isolated')
    for (const e of p.log) if (e.level === 'exception' || e.level === 'error') problems.push(`${p.page} ${e.source}: ${e.level}: ${e.text}`)
    for (const r of p.results) {
      if (r.info.kernel !== r.config.kernel) problems.push(`${p.page} ${key(r.config)}: cpuInfo().kernel is ${r.info.kernel}`)
      // without cross-origin isolation there is no SharedArrayBuffer: one thread, whatever was asked
      const expectThreads = p.page === 'plain' && r.config.kernel !== 'ts' ? 1 : r.config.threads
      if (r.info.threads !== expectThreads) problems.push(`${p.page} ${key(r.config)}: cpuInfo().threads is ${r.info.threads}, expected ${expectThreads}`)
      // workers run only with shared memory (CONFIGS changes the kernel before each threads-1 run, which
      // starts a fresh runtime: the pool is never shrunk, so threads 1 after threads 2 would still see one)
      const expectWorkers = p.page === 'plain' || r.config.kernel === 'ts' ? 0 : r.config.threads - 1
      if (r.info.workers !== expectWorkers) {
        problems.push(`${p.page} ${key(r.config)}: cpuInfo().workers is ${r.info.workers}, expected ${expectWorkers}`)
      }
    }
  }
  const nodeThroughput = nodeRounds.filter((r) => r.length > 0).map(medianOf)
  return { chromium: opts.chromium, node: { version: process.version, results: nodeResults, throughput: nodeThroughput }, pages, compared, identical, differing, threadDiffs, problems }
}

const fmtThroughput = (t: Throughput): string => `${t.config.kernel} ${t.config.threads} thread(s): ${t.gflops.toFixed(1)} GFLOP/s (${t.medianMs.toFixed(1)} ms, median of round medians)`

export const formatReport = (r: CheckReport): string => {
  const lines: string[] = []
  const p0 = r.pages[0]
  lines.push(`chromium: ${r.chromium} (${p0?.env.userAgent ?? '?'}); node ${r.node.version}`)
  for (const p of r.pages) {
    lines.push(`${p.page} page: crossOriginIsolated=${p.env.isCrossOriginIsolated} SharedArrayBuffer=${p.env.hasSharedArrayBuffer} hardwareConcurrency=${p.env.hardwareConcurrency}`)
    for (const res of p.results) lines.push(`  ${key(res.config).padEnd(16)} → cpuInfo ${res.info.kernel}×${res.info.threads} (${res.info.workers} worker(s)), ${res.outputs.length} outputs, ${res.ms.toFixed(0)} ms`)
    for (const t of p.throughput) lines.push(`  sgemm ${t.n}: ${fmtThroughput(t)}`)
  }
  for (const t of r.node.throughput) lines.push(`node sgemm ${t.n}: ${fmtThroughput(t)}`)
  lines.push(`outputs compared with Node: ${r.compared}, bit-identical: ${r.identical}, differing: ${r.differing.length}`)
  for (const d of r.differing.slice(0, 20)) lines.push(`  ${d.page} ${key(d.config)} ${d.name}: max rel diff ${d.maxRelDiff.toExponential(2)}`)
  lines.push(`node threads 2 vs threads 1: ${r.threadDiffs.length === 0 ? 'bit-identical on every kernel' : `${r.threadDiffs.length} outputs differ`}`)
  for (const d of r.threadDiffs.slice(0, 10)) lines.push(`  ${key(d.config)} ${d.name}: ${d.maxRelDiff.toExponential(2)}`)
  lines.push(r.problems.length === 0 ? 'browser check: OK' : `browser check: ${r.problems.length} problem(s)`)
  for (const p of r.problems) lines.push(`  ${p}`)
  return lines.join('\n')
}

const isMain = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]
if (isMain) {
  const argv = process.argv.slice(2)
  const arg = (name: string): string | undefined => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined }
  const chromium = findChromium()
  if (chromium === null) {
    console.error('browser check: no Chromium found (set CHROMIUM=/path/to/chromium, or `apt-get install -y chromium` as root)')
    process.exit(2)
  }
  const report = await runCheck({
    chromium, seed: Number(arg('--seed') ?? 1), reps: Number(arg('--reps') ?? 5), rounds: Number(arg('--rounds') ?? 3), minify: !argv.includes('--no-minify'),
    sgemmN: argv.includes('--no-sgemm') ? null : Number(arg('--sgemm') ?? 1024),
    progress: (s) => console.error(`[browser] ${s}`),
  })
  console.log(argv.includes('--json') ? JSON.stringify({ ...report, node: { ...report.node, results: undefined }, pages: report.pages.map((p) => ({ ...p, results: p.results.map((x) => ({ ...x, outputs: x.outputs.length })) })) }, null, 2) : formatReport(report))
  process.exitCode = report.problems.length === 0 ? 0 : 1
}

