import t from 'tap'
import fc from 'fast-check'
import { setCpuOptions, cpuInfo, startCpuWorkers } from '../src/cpuOptions.js'
import { wasmRuntime } from '../src/internal/wasm/runtime.js'
import { gemmWasm } from '../src/internal/wasm/gemmWasm.js'
import { withCpuGemm } from '../src/internal/wasm/cpuGemm.js'
import type { Float } from '../src/mat.js'

type F = Float32Array | Float64Array
// f32 kernels accumulate in f32: error of a length-k dot product ≤ ~k·u·Σ|a||b| (u = 2⁻²⁴); f64: u = 2⁻⁵³.
// Random ±0.5 data: we bound |err| ≤ GROWTH·k·u·Σ|a_ip·b_pj| with a safety factor GROWTH = 2.
const U = { f32: 2 ** -24, f64: 2 ** -53 }
const GROWTH = 2

/** Naive f64 reference: C = alpha·A·B + beta·C; also returns Σ|a||b| per entry for the error bound. */
const naive = (m: number, n: number, k: number, alpha: number, a: F, sa0: number, sa1: number, oa: number, b: F, sb0: number, sb1: number, ob: number,
  beta: number, c: F, sc0: number, sc1: number, oc: number): { ref: Float64Array; mag: Float64Array } => {
  const ref = new Float64Array(m * n), mag = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0, g = 0
    for (let p = 0; p < k; p++) { const x = a[oa + i * sa0 + p * sa1]! * b[ob + p * sb0 + j * sb1]!; s += x; g += Math.abs(x) }
    const d = oc + i * sc0 + j * sc1
    ref[i * n + j] = alpha * s + (beta === 0 ? 0 : beta * c[d]!)
    mag[i * n + j] = Math.abs(alpha) * g + Math.abs(beta * (beta === 0 ? 0 : c[d]!))
  }
  return { ref, mag }
}

const rngFill = (x: F, seed: number): F => { let s = seed >>> 0; for (let i = 0; i < x.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; x[i] = s / 2 ** 32 - 0.5 } return x }

const paths = [
  { kernel: 'relaxed-simd', threads: 1 }, { kernel: 'relaxed-simd', threads: 2 },
  { kernel: 'simd', threads: 1 }, { kernel: 'simd', threads: 2 },
] as const

t.test('cpuInfo reports the kernel in use; setCpuOptions validates its arguments', async (t) => {
  t.equal(setCpuOptions({ kernel: 'ts', threads: 1 }).kernel, 'ts')
  t.equal(cpuInfo().simdBits, 64)
  const info = setCpuOptions({ kernel: 'auto', threads: 2 })
  t.ok(info.kernel === 'relaxed-simd' || info.kernel === 'simd', `Node ${process.version} runs a WebAssembly SIMD kernel: ${info.kernel}`)
  t.equal(info.simdBits, 128)
  t.equal(info.threads, 2)
  t.ok(setCpuOptions({ threads: 0 }).threads >= 1, 'threads 0 = all cores')
  t.throws(() => setCpuOptions({ threads: -1 }), { _tag: 'InvalidArgument' })
  t.throws(() => setCpuOptions({ threads: 1.5 }), { _tag: 'InvalidArgument' })
  t.throws(() => setCpuOptions({ kernel: 'avx' as 'ts' }), { _tag: 'InvalidArgument' })
})

for (const path of paths) {
  t.test(`gemm kernel ${path.kernel} × ${path.threads} thread(s) equals the f64 reference up to rounding, any strides`, async (t) => {
    setCpuOptions(path)
    const rt = wasmRuntime()
    t.ok(rt !== null && rt.variant === path.kernel, `runtime ${rt?.variant}`)
    if (rt === null) return
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 600 }),
      fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 2 }), fc.integer(),
      (m, n, k, isF64, trans, betaKind, seed) => {
        const T = isF64 ? Float64Array : Float32Array
        const u = isF64 ? U.f64 : U.f32
        const a = rngFill(new T(m * k + 3), seed), b = rngFill(new T(k * n + 5), seed + 1)
        // A row- or column-major (offset 3), B row-major or transposed with a negative row stride
        const [sa0, sa1] = trans & 1 ? [1, m] : [k, 1]
        const [sb0, sb1, ob] = trans & 2 ? [1, k, 5] : [-n, 1, 5 + (k - 1) * n]
        const c = rngFill(new T(2 * m * n + 1), seed + 2)
        const beta = [0, 1, -0.5][betaKind]!
        if (beta === 0) c.fill(NaN) // beta = 0 must ignore C (NaN included), like BLAS
        const sc0 = 1, sc1 = 2 * m, oc = 1 // column-major output with a gap between columns
        const { ref, mag } = naive(m, n, k, 0.75, a, sa0, sa1, 3, b, sb0, sb1, ob, beta, c, sc0, sc1, oc)
        gemmWasm(rt, path.threads, m, n, k, 0.75, a, sa0, sa1, 3, b, sb0, sb1, ob, beta, c, sc0, sc1, oc)
        for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
          const got = c[oc + i * sc0 + j * sc1]!, e = Math.abs(got - ref[i * n + j]!)
          if (!(e <= GROWTH * (k + 2) * u * mag[i * n + j]! + Number.MIN_VALUE)) return false
        }
        return true
      }), { seed: 42, numRuns: 40 })
    t.ok(true, 'fast-check property held for 40 random shapes, strides and betas')
  })

  t.test(`gemm kernel ${path.kernel} × ${path.threads}: products large enough to be split across threads and blocks`, async (t) => {
    setCpuOptions(path)
    const rt = wasmRuntime()!
    for (const [m, n, k] of [[261, 197, 530], [1, 300, 300], [300, 2, 300], [2100, 9, 40], [13, 2100, 260]] as const) {
      for (const T of [Float32Array, Float64Array]) {
        const u = T === Float64Array ? U.f64 : U.f32
        const a = rngFill(new T(m * k), 7), b = rngFill(new T(k * n), 8), c = new T(m * n)
        const { ref, mag } = naive(m, n, k, 1, a, k, 1, 0, b, n, 1, 0, 0, c, n, 1, 0)
        gemmWasm(rt, path.threads, m, n, k, 1, a, k, 1, 0, b, n, 1, 0, 0, c, n, 1, 0)
        let worst = 0
        for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(c[i]! - ref[i]!) / (GROWTH * (k + 2) * u * mag[i]!))
        t.ok(worst <= 1, `${T.name} ${m}×${k}·${k}×${n}: error / bound = ${worst.toFixed(3)} ≤ 1`)
      }
    }
  })
}

t.test('the seam falls back to the reference for tiny or mixed-dtype products and for kernel "ts"', async (t) => {
  let calls = 0
  const ref = (): void => { calls++ }
  const g = withCpuGemm(ref)
  const a = new Float64Array(64 * 64), c = new Float64Array(64 * 64)
  setCpuOptions({ kernel: 'auto', threads: 1 })
  g(2, 2, 2, 1, a, 2, 1, 0, a, 2, 1, 0, 0, c, 2, 1, 0)
  t.equal(calls, 1, 'tiny product → reference')
  g(64, 64, 64, 1, new Float32Array(64 * 64), 64, 1, 0, a, 64, 1, 0, 0, c, 64, 1, 0)
  t.equal(calls, 2, 'mixed dtypes → reference')
  g(64, 64, 64, 1, a, 64, 1, 0, a, 64, 1, 0, 0, c, 64, 1, 0)
  t.equal(calls, 2, 'large f64 product → wasm')
  setCpuOptions({ kernel: 'ts' })
  g(64, 64, 64, 1, a, 64, 1, 0, a, 64, 1, 0, 0, c, 64, 1, 0)
  t.equal(calls, 3, 'kernel ts → reference')
  setCpuOptions({ kernel: 'auto', threads: 0 })
})

t.test('resident operands (withResident): products reading the kept copy equal products that copy it, bit for bit', async (t) => {
  const { withResident, gemmKernel } = await import('../src/internal/gemmKernel.js')
  for (const path of [{ kernel: 'relaxed-simd', threads: 1 }, { kernel: 'simd', threads: 2 }] as const) {
    setCpuOptions(path)
    for (const T of [Float32Array, Float64Array]) {
      // A [300, 260] stored with a row stride of 263 at offset 5; Y [260, 37], Z [300, 37]
      const m = 300, n = 260, ld = 263, off = 5, l = 37
      const data = new T(off + m * ld + 7)
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37)
      const y = T.from({ length: n * l }, (_, i) => Math.cos(i * 0.11)), z = T.from({ length: m * l }, (_, i) => Math.cos(i * 0.13))
      const run = (): Float[] => {
        const p = new T(m * l), q = new T(n * l), r = new T(120 * l), s = new T(l * 200)
        gemmKernel(m, l, n, 1, data, ld, 1, off, y, l, 1, 0, 0, p, l, 1, 0)                 // A·Y
        gemmKernel(n, l, m, 1, data, 1, ld, off, z, l, 1, 0, 0, q, l, 1, 0)                 // Aᵀ·Z
        gemmKernel(120, l, 100, 1, data, ld, 1, off + 50 * ld + 30, y, l, 1, 0, 0, r, l, 1, 0) // a sub-block of A · Y
        gemmKernel(l, 200, m, 1, z, 1, l, 0, data, ld, 1, off + 10, 0, s, 200, 1, 0)         // Zᵀ·A[:, 10:210]
        return [p, q, r, s]
      }
      const plain = run()
      const kept = withResident(data, off, ld, 1, m, n, run)
      const keptT = withResident(data, off, 1, ld, n, m, run)   // the same matrix pinned as a transposed view
      const same = (a: Float[], b: Float[]): boolean => a.every((x, i) => x.every((v, j) => Object.is(v, b[i]![j])))
      t.ok(same(plain, kept), `${T.name} ${path.kernel}×${path.threads}: row-major resident A gives the same bits`)
      t.ok(same(plain, keptT), `${T.name} ${path.kernel}×${path.threads}: column-major resident view gives the same bits`)
      t.ok(plain[0]!.some((v) => v !== 0), 'products are non-trivial')
    }
  }
  setCpuOptions({ kernel: 'auto', threads: 0 })
})

t.test('packing inside the wasm memory (row- and column-staged A and B) gives the same bits as packing in JS', async (t) => {
  const { gemmKernel, referenceGemm } = await import('../src/internal/gemmKernel.js')
  // k = 259: two KC blocks and a k tail that is not a multiple of the SIMD width; n = 190 and m = 203
  // are not multiples of the tile; m·k and k·n are above the wasm-packing threshold
  const m = 203, n = 190, k = 259
  for (const path of [{ kernel: 'relaxed-simd', threads: 1 }, { kernel: 'simd', threads: 2 }] as const) {
    setCpuOptions(path)
    for (const T of [Float32Array, Float64Array]) {
      const av = T.from({ length: m * k }, (_, i) => Math.sin(i * 0.71)), bv = T.from({ length: k * n }, (_, i) => Math.cos(i * 0.29))
      // the same A and B in three storages: row-major, column-major, and a stride-2 copy (no unit stride: JS packing)
      const layouts = (x: Float, r: number, c: number): [Float, number, number][] => {
        const col = new T(r * c), sp = new T(2 * r * c)
        for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) { col[j * r + i] = x[i * c + j]!; sp[2 * (i * c + j)] = x[i * c + j]! }
        return [[x, c, 1], [col, 1, r], [sp, 2 * c, 2]]
      }
      const ref = new Float64Array(m * n)
      referenceGemm(m, n, k, 1, Float64Array.from(av), k, 1, 0, Float64Array.from(bv), n, 1, 0, 0, ref, n, 1, 0)
      let first: Float | undefined, allSame = true, worst = 0
      for (const [a, as0, as1] of layouts(av, m, k)) for (const [b, bs0, bs1] of layouts(bv, k, n)) {
        const c = new T(m * n)
        gemmKernel(m, n, k, 1, a, as0, as1, 0, b, bs0, bs1, 0, 0, c, n, 1, 0)
        first ??= c
        allSame &&= c.every((v, i) => Object.is(v, first![i]))
        for (let i = 0; i < m * n; i++) worst = Math.max(worst, Math.abs(c[i]! - ref[i]!))
      }
      const bound = k * (T === Float32Array ? 2 ** -24 : 2 ** -53) * k   // |a|, |b| ≤ 1: Σ|aᵢₚbₚⱼ| ≤ k
      t.ok(allSame, `${T.name} ${path.kernel}×${path.threads}: 9 layout pairs give identical bits`)
      t.ok(worst <= bound, `${T.name} ${path.kernel}×${path.threads}: max error ${worst.toExponential(2)} ≤ k·u·Σ|ab| = ${bound.toExponential(2)}`)
    }
  }
  setCpuOptions({ kernel: 'auto', threads: 0 })
})

t.test('startCpuWorkers starts the pool and reports the running workers; cpuInfo().workers counts them', async (t) => {
  setCpuOptions({ kernel: 'ts', threads: 2 })
  t.equal((await startCpuWorkers()).workers, 0, 'kernel ts: no pool')
  setCpuOptions({ kernel: 'relaxed-simd', threads: 1 })   // a fresh runtime (the kernel changed): no workers yet
  t.equal(cpuInfo().workers, 0, 'no workers before the first multi-threaded product')
  t.equal((await startCpuWorkers()).workers, 0, 'threads 1: nothing to start')
  setCpuOptions({ threads: 3 })
  const info = await startCpuWorkers()
  t.equal(info.workers, 2, 'threads 3: two workers run beside the calling thread')
  t.equal(cpuInfo().workers, 2)
  t.throws(() => startCpuWorkers({ timeoutMs: -1 }), { _tag: 'InvalidArgument' }, 'a negative timeout is rejected')
  setCpuOptions({ kernel: 'auto', threads: 0 })
})

t.test('without cross-origin isolation (a browser page lacking COOP/COEP) the kernels use unshared memory on one thread, with the same bits', async (t) => {
  const g = globalThis as { crossOriginIsolated?: boolean }
  const product = (): Float32Array[] => {
    // large enough to need more memory than the runtime starts with (the unshared buffer detaches on grow)
    const out: Float32Array[] = []
    for (const [m, n, k] of [[131, 97, 263], [700, 650, 600]] as const) {
      const a = rngFill(new Float32Array(m * k), 3), b = rngFill(new Float32Array(k * n), 4), c = new Float32Array(m * n)
      withCpuGemm(() => { throw new Error('the reference must not run') })(m, n, k, 1, a, k, 1, 0, b, 1, k, 0, 0, c, n, 1, 0)
      out.push(c)
    }
    return out
  }
  setCpuOptions({ kernel: 'ts' })
  setCpuOptions({ kernel: 'relaxed-simd', threads: 2 })
  const shared = product()
  t.ok(wasmRuntime()!.isShared, 'Node: shared memory')
  g.crossOriginIsolated = false
  try {
    setCpuOptions({ kernel: 'ts' })
    setCpuOptions({ kernel: 'relaxed-simd', threads: 2 })   // re-instantiated as a page without isolation would
    const rt = wasmRuntime()!
    t.notOk(rt.isShared, 'unshared memory')
    t.equal(rt.memory.buffer instanceof ArrayBuffer, true, 'an ordinary ArrayBuffer, nothing to post to a worker')
    const unshared = product()
    t.same(cpuInfo(), { kernel: 'relaxed-simd', simdBits: 128, threads: 1, workers: 0 }, 'one thread, no workers, whatever threads says')
    t.equal((await startCpuWorkers()).workers, 0, 'startCpuWorkers starts nothing')
    t.ok(unshared.every((c, i) => c.every((v, j) => Object.is(v, shared[i]![j]))), 'bit-identical to the shared, 2-thread products')
  } finally {
    delete g.crossOriginIsolated
    setCpuOptions({ kernel: 'ts' })
    setCpuOptions({ kernel: 'auto', threads: 0 })
  }
})
