// CPU speed of @lr/svd (issue: WebAssembly SIMD kernels and blocked decompositions), one run:
// numpy measured in the same run on the same machine, twice — as configured (the environment's
// OpenBLAS core type, AVX2 here) and with its best kernel (`env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE`)
// — plus the best JavaScript peer (onnxruntime-web's wasm MatMul). Ratios are printed; absolute times
// on a shared 2-core VM are noise.
//   node tools/bench/cpu/cpu.bench.ts            (LR_BENCH_QUICK=1: smaller sizes, fewer runs)
import { spawnSync } from 'node:child_process'
import { cpus, loadavg, tmpdir } from 'node:os'
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gemm, svd, eigSym, randomizedSvd, matrix, seededRng, setCpuOptions, cpuInfo, type Mat } from '@lr/svd'
import { numpyTimes, numpyTimesCpu, medianMs, type NumpyJob } from '../numpyRef.ts'

const quick = process.env['LR_BENCH_QUICK'] === '1'
// LR_BENCH_SECTIONS=gemm,svd,eig,rsvd,process runs a subset (default: all)
const sections = (process.env['LR_BENCH_SECTIONS'] ?? 'gemm,svd,eig,rsvd,process').split(',')
const here = fileURLToPath(new URL('.', import.meta.url))
const repo = join(here, '../../..')
const allCores = cpus().length
const fmt = (x: number, d = 3): string => (!Number.isFinite(x) ? '-' : Number.isInteger(x) || Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(d))
const line = (cols: readonly (string | number)[], w = 11): string => cols.map((c) => (typeof c === 'number' ? fmt(c) : c).padStart(w)).join(' ')
const randn = (T: typeof Float32Array | typeof Float64Array, len: number, seed: number) => {
  const r = seededRng(seed), x = new T(len)
  for (let i = 0; i < len; i++) x[i] = r.normal()
  return x
}

const flags = (() => { try { return readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags')) ?? '' } catch { return '' } })()
const isa = flags.includes('avx512f') ? 'AVX-512' : flags.includes('avx2') ? 'AVX2' : 'SSE'
console.log(`CPU: ${cpus()[0]?.model ?? '?'} × ${allCores} (host ISA ${isa}); Node ${process.version}; kernel ${cpuInfo().kernel} (${cpuInfo().simdBits}-bit); load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`)

// ---------------------------------------------------------------- GEMM
const gemmSizes = quick ? [512, 1024] : [1024, 2048]
const gemmRuns = (n: number): number => (n >= 2048 ? 3 : 5)
const npJobs = (): NumpyJob[] => gemmSizes.flatMap((n) => (['sgemm', 'dgemm'] as const).map((op) => ({ op, n, runs: gemmRuns(n) })))
const ortMs = (threads: number, n: number): number => {
  const r = spawnSync(process.execPath, [join(here, 'ortPeer.ts'), String(threads), 'f32', String(n), String(gemmRuns(n))], { encoding: 'utf8' })
  if (r.status !== 0) { console.error(`ort peer failed: ${r.stderr}`); return NaN }
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number }).ms
}
// Host load on a shared VM drifts over seconds, so the two sides are measured in alternation: each
// round times numpy (as configured, then its best kernel) and ours back to back; the row prints the
// medians over the rounds and the median of the per-round ratios. Ours is warmed with 3 calls first
// (V8 compiles the WebAssembly with its baseline compiler, then tiers the hot kernels up; the first
// call also touches fresh pages of the one reused wasm memory) and its first, cold call is printed too.
const gemmRounds = quick ? 1 : 3
const median = (xs: readonly number[]): number => { const s = [...xs].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2 }
console.log(`\nGEMM C = A·B, n×n·n×n row-major (GFLOP/s = 2n³/t; ratio = ours GFLOP/s ÷ theirs; ${gemmRounds} alternating rounds, medians)`)
console.log(line(['op', 'n', 'threads', 'cold_ms', 'ours_ms', 'GFLOP/s', 'np_avx2_ms', 'ratio', 'np_best_ms', 'ratio', 'ort_ms', 'ratio']))
for (const threads of sections.includes('gemm') ? [1, allCores] : []) {
  setCpuOptions({ threads })
  for (const n of gemmSizes) {
    for (const op of ['sgemm', 'dgemm'] as const) {
      const T = op === 'sgemm' ? Float32Array : Float64Array
      const a = matrix(randn(T, n * n, 1), n, n), b = matrix(randn(T, n * n, 2), n, n), out = matrix(new T(n * n), n, n)
      const run = (): unknown => gemm(a as Mat, b as Mat, { out: out as Mat, checkFinite: false })
      const t0 = performance.now(); run(); const cold = performance.now() - t0
      run(); run()
      const job: NumpyJob = { op, n, runs: gemmRuns(n) }
      const ours: number[] = [], cfg: number[] = [], best: number[] = [], rCfg: number[] = [], rBest: number[] = []
      for (let r = 0; r < gemmRounds; r++) {
        const c = numpyTimes([job], { threads })[0]!, bst = numpyTimes([job], { threads, best: true })[0]!
        const ms = medianMs(run, gemmRuns(n))
        ours.push(ms); cfg.push(c); best.push(bst); rCfg.push(c / ms); rBest.push(bst / ms)
      }
      const ms = median(ours)
      const ort = op === 'sgemm' ? ortMs(threads, n) : NaN
      console.log(line([op, n, threads, cold, ms, (2 * n ** 3) / ms / 1e6, median(cfg), median(rCfg), median(best), median(rBest), ort, ort / ms]))
    }
  }
}

// one thread by process CPU time (ours and numpy's): immune to other tenants' load on a shared VM
if (sections.includes('gemm')) {
  setCpuOptions({ threads: 1 })
  const jobs: NumpyJob[] = npJobs().map((j) => ({ ...j, cpu: true }))
  const cfg = numpyTimesCpu(jobs, { threads: 1 }), best = numpyTimesCpu(jobs, { threads: 1, best: true })
  console.log('\nGEMM on 1 thread by process CPU time (ratio = ours GFLOP/s ÷ theirs, both by CPU time)')
  console.log(line(['op', 'n', 'ours_cpu_ms', 'GFLOP/s', 'np_avx2_cpu', 'ratio', 'np_best_cpu', 'ratio']))
  jobs.forEach((job, i) => {
    const n = job.n, T = job.op === 'sgemm' ? Float32Array : Float64Array
    const a = matrix(randn(T, n * n, 1), n, n), b = matrix(randn(T, n * n, 2), n, n), out = matrix(new T(n * n), n, n)
    const f = (): unknown => gemm(a as Mat, b as Mat, { out: out as Mat, checkFinite: false })
    f()
    const ts: number[] = []
    for (let r = 0; r < (job.runs ?? 3); r++) { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); ts.push((c.user + c.system) / 1000) }
    ts.sort((x, y) => x - y)
    const ms = ts[ts.length >> 1]!
    console.log(line([job.op, n, ms, (2 * n ** 3) / ms / 1e6, cfg[i]!.cpuMs, cfg[i]!.cpuMs / ms, best[i]!.cpuMs, best[i]!.cpuMs / ms]))
  })
}

// ---------------------------------------------------------------- SVD
setCpuOptions({ threads: 0 })
const svdSizes = quick ? [256, 512] : [1024, 2048]
console.log(`\nSVD of an n×n Gaussian matrix, ${allCores} threads (ratio = ours_ms ÷ numpy_ms; numpy = np.linalg.svd)`)
console.log(line(['mode', 'dtype', 'n', 'ours_ms', 'np_avx2_ms', 'ratio', 'np_best_ms', 'ratio']))
for (const mode of sections.includes('svd') ? (['values', 'thin'] as const) : []) {
  const jobs: NumpyJob[] = []
  for (const n of svdSizes) for (const dtype of ['f32', 'f64']) jobs.push({ op: mode === 'values' ? 'svdvals' : 'svd', n, dtype, runs: n >= 2048 ? 1 : 3 })
  const cfg = numpyTimes(jobs), best = numpyTimes(jobs, { best: true })
  jobs.forEach((job, i) => {
    const T = job['dtype'] === 'f32' ? Float32Array : Float64Array
    const a = matrix(randn(T, job.n * job.n, 3), job.n, job.n)
    const ms = medianMs(() => svd(a as Mat, { mode }), job.runs ?? 1)
    console.log(line([mode, String(job['dtype']), job.n, ms, cfg[i]!, ms / cfg[i]!, best[i]!, ms / best[i]!]))
  })
}

// ---------------------------------------------------------------- symmetric eigendecomposition
console.log(`\neigSym of a symmetric n×n Gaussian matrix (A + Aᵀ), ${allCores} threads (ratio = ours_ms ÷ numpy_ms; numpy = np.linalg.eigh / eigvalsh)`)
console.log(line(['mode', 'dtype', 'n', 'ours_ms', 'np_avx2_ms', 'ratio', 'np_best_ms', 'ratio']))
for (const mode of sections.includes('eig') ? (['values', 'vectors'] as const) : []) {
  const jobs: NumpyJob[] = []
  for (const n of svdSizes) for (const dtype of ['f32', 'f64']) jobs.push({ op: mode === 'values' ? 'eigvalsh' : 'eigh', n, dtype, runs: n >= 2048 ? 1 : 3 })
  const cfg = numpyTimes(jobs), best = numpyTimes(jobs, { best: true })
  jobs.forEach((job, i) => {
    const T = job['dtype'] === 'f32' ? Float32Array : Float64Array
    const g = randn(T, job.n * job.n, 4), a = new T(job.n * job.n)
    for (let r = 0; r < job.n; r++) for (let c = 0; c < job.n; c++) a[r * job.n + c] = g[r * job.n + c]! + g[c * job.n + r]!
    const ms = medianMs(() => eigSym(matrix(a, job.n, job.n) as Mat, { mode }), job.runs ?? 1)
    console.log(line([mode, String(job['dtype']), job.n, ms, cfg[i]!, ms / cfg[i]!, best[i]!, ms / best[i]!]))
  })
}

// ---------------------------------------------------------------- randomized SVD
if (sections.includes('rsvd')) {
  const n = quick ? 1024 : 4096, rank = 64
  const job: NumpyJob = { op: 'rsvd', n, rank, oversample: 10, powerIters: 2, dtype: 'f32', runs: 3 }
  const a = matrix(randn(Float32Array, n * n, 4), n, n)
  const rsvd = (): unknown => randomizedSvd(a, { rank, oversample: 10, powerIters: 2, rng: seededRng(1) })
  rsvd(); rsvd()
  // alternating rounds, as for GEMM: numpy (configured, best), then ours; medians and median ratios
  const rounds = quick ? 1 : 3
  const ours: number[] = [], cfgs: number[] = [], bests: number[] = [], rCfg: number[] = [], rBest: number[] = []
  for (let r = 0; r < rounds; r++) {
    const [c] = numpyTimes([job]), [b] = numpyTimes([job], { best: true })
    const ms = medianMs(rsvd, 3)
    ours.push(ms); cfgs.push(c!); bests.push(b!); rCfg.push(ms / c!); rBest.push(ms / b!)
  }
  console.log(`\nrandomizedSvd rank ${rank} (oversample 10, 2 power iterations) of ${n}×${n} f32, ${allCores} threads, vs the same Halko algorithm in numpy (${rounds} alternating rounds, medians)`)
  console.log(line(['n', 'ours_ms', 'np_avx2_ms', 'ratio', 'np_best_ms', 'ratio']))
  console.log(line([n, median(ours), median(cfgs), median(rCfg), median(bests), median(rBest)]))
  // the same on 1 thread by process CPU time (immune to other tenants' load)
  setCpuOptions({ threads: 1 })
  const cjob: NumpyJob = { ...job, cpu: true }
  const [c1] = numpyTimesCpu([cjob], { threads: 1 }), [b1] = numpyTimesCpu([cjob], { threads: 1, best: true })
  const f = (): unknown => randomizedSvd(a, { rank, oversample: 10, powerIters: 2, rng: seededRng(1) })
  f()
  const ts: number[] = []
  for (let r = 0; r < 3; r++) { const c0 = process.cpuUsage(); f(); const c = process.cpuUsage(c0); ts.push((c.user + c.system) / 1000) }
  ts.sort((x, y) => x - y)
  console.log('\nthe same on 1 thread by process CPU time (ratio = ours ÷ numpy)')
  console.log(line(['n', 'ours_cpu_ms', 'np_avx2_cpu', 'ratio', 'np_best_cpu', 'ratio']))
  console.log(line([n, ts[1]!, c1!.cpuMs, ts[1]! / c1!.cpuMs, b1!.cpuMs, ts[1]! / b1!.cpuMs]))
  setCpuOptions({ threads: 0 })
}

// ---------------------------------------------------------------- whole process: lr svd vs python3
if (sections.includes('process')) {
  const n = quick ? 512 : 2048
  const dir = mkdtempSync(join(tmpdir(), 'lr-cpu-bench-'))
  const file = join(dir, 'w.safetensors')
  // a one-tensor safetensors file written by hand: 8-byte header length, JSON header, raw f32 data
  const data = randn(Float32Array, n * n, 5)
  const header = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'F32', shape: [n, n], data_offsets: [0, data.byteLength] } }).padEnd(88, ' '))
  const buf = new Uint8Array(8 + header.length + data.byteLength)
  new DataView(buf.buffer).setBigUint64(0, BigInt(header.length), true)
  buf.set(header, 8); buf.set(new Uint8Array(data.buffer), 8 + header.length)
  writeFileSync(file, buf)
  const py = `import json, struct, numpy as np
b = open(${JSON.stringify(file)}, 'rb').read(); h = struct.unpack('<Q', b[:8])[0]; meta = json.loads(b[8:8 + h])['w']
A = np.frombuffer(b, dtype=np.float32, count=${n * n}, offset=8 + h).reshape(${n}, ${n})
s = np.linalg.svd(A, compute_uv=False); print(float(s[0]))`
  const wall = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): number => {
    const t0 = performance.now()
    const r = spawnSync(cmd, args, { encoding: 'utf8', env })
    const ms = performance.now() - t0
    if (r.status !== 0) { console.error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`); return NaN }
    return ms
  }
  const median3 = (f: () => number): number => { const ts = [f(), f(), f()].sort((x, y) => x - y); return ts[1]! }
  const lrArgs = [join(repo, 'packages/cli/dist/bin.js'), 'svd', file, '--tensor', 'w', '--json']
  const best = { ...process.env }; delete best['OPENBLAS_CORETYPE']; delete best['OPENBLAS_L2_SIZE']
  const lrMs = median3(() => wall(process.execPath, lrArgs))
  const pyMs = median3(() => wall('python3', ['-c', py]))
  const pyBest = median3(() => wall('python3', ['-c', py], best))
  console.log(`\nwhole process, singular values of a ${n}×${n} f32 safetensors tensor: \`lr svd w.safetensors --tensor w --json\` vs python3 -c "...np.linalg.svd(A, compute_uv=False)"`)
  console.log(line(['n', 'lr_ms', 'py_avx2_ms', 'ratio', 'py_best_ms', 'ratio']))
  console.log(line([n, lrMs, pyMs, lrMs / pyMs, pyBest, lrMs / pyBest]))
  rmSync(dir, { recursive: true, force: true })
}
console.log(`\nload average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores shared with other work: ratios from one run)`)
