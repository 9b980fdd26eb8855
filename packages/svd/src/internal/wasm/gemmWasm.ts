// C = alpha·A·B + beta·C through the WebAssembly SIMD kernels (GotoBLAS/BLIS scheme).
//
// Data flow: the caller's A and B stay where they are (any strides, any offset); the main thread
// packs them straight from there into the shared memory (A into MR-row slivers, B into NR-column
// slivers, per KC-deep block, zero-padded to whole tiles); the items (row block × column block of C,
// full k) run on this thread and the pool's workers; the main thread then writes alpha·C (+ beta·C_old)
// back into the caller's output view. Extra memory: the packed copies of A and B and one padded C,
// all in the one reused WebAssembly memory.
//
// Accepted layouts: any strides (row-major, column-major, transposed views, negative strides) and
// offsets, f32 or f64 (all three arrays of one dtype). No alignment requirement on the caller's
// arrays; the packed panels are 64-byte aligned inside the wasm memory.
import type { WasmRuntime } from './runtime.js'
import { DATA_START, ensureBytes, ensureWorkers, runJob } from './runtime.js'

type F = Float32Array | Float64Array

/** Cache blocking (elements): KC deep blocks, MC-row A blocks (L2), NC-column B panels (L3). */
export const KC = 256
export const MC = 192
export const NC = 2048
/** Largest packed problem (A + B + C bytes) handled in one piece; larger ones are split. */
const MAX_PIECE_BYTES = 768 * 1024 * 1024
/** Below this many multiply-adds a product runs on one thread (thread wake-up costs ~10-50 µs). */
const MIN_FLOPS_PER_THREAD = 1 << 21

const roundUp = (x: number, m: number): number => Math.ceil(x / m) * m
const align64 = (bytes: number): number => roundUp(bytes, 64)

/** Packs A[m×k] (strides sa0, sa1) into MR-row slivers per KC block at dst[d0...]. */
const packA = (dst: F, d0: number, a: F, sa0: number, sa1: number, oa: number, m: number, k: number, mp: number, mr: number): void => {
  let p = d0
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc)
    for (let i0 = 0; i0 < mp; i0 += mr) {
      const rows = Math.min(mr, m - i0)
      const base = oa + i0 * sa0 + pc * sa1
      if (rows === mr && mr === 6) {
        let s = base
        for (let kk = 0; kk < kc; kk++, s += sa1, p += 6) {
          dst[p] = a[s]!; dst[p + 1] = a[s + sa0]!; dst[p + 2] = a[s + 2 * sa0]!
          dst[p + 3] = a[s + 3 * sa0]!; dst[p + 4] = a[s + 4 * sa0]!; dst[p + 5] = a[s + 5 * sa0]!
        }
      } else if (rows === mr && mr === 4) {
        let s = base
        for (let kk = 0; kk < kc; kk++, s += sa1, p += 4) {
          dst[p] = a[s]!; dst[p + 1] = a[s + sa0]!; dst[p + 2] = a[s + 2 * sa0]!; dst[p + 3] = a[s + 3 * sa0]!
        }
      } else {
        for (let kk = 0; kk < kc; kk++, p += mr) {
          const s = base + kk * sa1
          for (let r = 0; r < rows; r++) dst[p + r] = a[s + r * sa0]!
          for (let r = rows; r < mr; r++) dst[p + r] = 0
        }
      }
    }
  }
}

/** Packs B[k×n] (strides sb0, sb1) into NR-column slivers per KC block at dst[d0...]. */
const packB = (dst: F, d0: number, b: F, sb0: number, sb1: number, ob: number, k: number, n: number, np: number, nr: number): void => {
  let p = d0
  for (let pc = 0; pc < k; pc += KC) {
    const kc = Math.min(KC, k - pc)
    for (let j0 = 0; j0 < np; j0 += nr) {
      const cols = Math.min(nr, n - j0)
      const base = ob + pc * sb0 + j0 * sb1
      if (cols === nr && nr === 8) {
        let s = base
        for (let kk = 0; kk < kc; kk++, s += sb0, p += 8) {
          dst[p] = b[s]!; dst[p + 1] = b[s + sb1]!; dst[p + 2] = b[s + 2 * sb1]!; dst[p + 3] = b[s + 3 * sb1]!
          dst[p + 4] = b[s + 4 * sb1]!; dst[p + 5] = b[s + 5 * sb1]!; dst[p + 6] = b[s + 6 * sb1]!; dst[p + 7] = b[s + 7 * sb1]!
        }
      } else if (cols === nr && nr === 4) {
        let s = base
        for (let kk = 0; kk < kc; kk++, s += sb0, p += 4) {
          dst[p] = b[s]!; dst[p + 1] = b[s + sb1]!; dst[p + 2] = b[s + 2 * sb1]!; dst[p + 3] = b[s + 3 * sb1]!
        }
      } else {
        for (let kk = 0; kk < kc; kk++, p += nr) {
          const s = base + kk * sb0
          for (let j = 0; j < cols; j++) dst[p + j] = b[s + j * sb1]!
          for (let j = cols; j < nr; j++) dst[p + j] = 0
        }
      }
    }
  }
}

/** out = alpha·C + beta·out over the m×n view; beta = 0 never reads out (NaN-safe, as BLAS). */
const copyOut = (src: F, s0: number, ldc: number, m: number, n: number, alpha: number, beta: number, c: F, sc0: number, sc1: number, oc: number): void => {
  for (let i = 0; i < m; i++) {
    const si = s0 + i * ldc
    let d = oc + i * sc0
    if (beta === 0) {
      if (alpha === 1) for (let j = 0; j < n; j++, d += sc1) c[d] = src[si + j]!
      else for (let j = 0; j < n; j++, d += sc1) c[d] = alpha * src[si + j]!
    } else {
      for (let j = 0; j < n; j++, d += sc1) c[d] = alpha * src[si + j]! + beta * c[d]!
    }
  }
}

/** C[m×n] = alpha·A[m×k]·B[k×n] + beta·C with raw strided arguments; k ≥ 1, m, n ≥ 1.
 *  threads = how many threads may work (1 = this thread only). */
export const gemmWasm = (
  rt: WasmRuntime, threads: number,
  m: number, n: number, k: number, alpha: number,
  a: F, sa0: number, sa1: number, oa: number,
  b: F, sb0: number, sb1: number, ob: number,
  beta: number, c: F, sc0: number, sc1: number, oc: number,
): void => {
  const isF64 = a instanceof Float64Array
  const es = isF64 ? 8 : 4
  const { mr, nr } = isF64 ? rt.shapes.f64 : rt.shapes.f32
  const mp = roundUp(m, mr), np = roundUp(n, nr)
  const bytesA = align64(mp * k * es), bytesB = align64(k * np * es), bytesC = align64(mp * np * es)
  if (bytesA + bytesB + bytesC > MAX_PIECE_BYTES) {
    // split the largest dimension in two (k splits accumulate into C with beta = 1)
    if (m >= n && m >= k && m > mr) {
      const h = roundUp(Math.ceil(m / 2), mr)
      gemmWasm(rt, threads, h, n, k, alpha, a, sa0, sa1, oa, b, sb0, sb1, ob, beta, c, sc0, sc1, oc)
      gemmWasm(rt, threads, m - h, n, k, alpha, a, sa0, sa1, oa + h * sa0, b, sb0, sb1, ob, beta, c, sc0, sc1, oc + h * sc0)
    } else if (n >= k && n > nr) {
      const h = roundUp(Math.ceil(n / 2), nr)
      gemmWasm(rt, threads, m, h, k, alpha, a, sa0, sa1, oa, b, sb0, sb1, ob, beta, c, sc0, sc1, oc)
      gemmWasm(rt, threads, m, n - h, k, alpha, a, sa0, sa1, oa, b, sb0, sb1, ob + h * sb1, beta, c, sc0, sc1, oc + h * sc1)
    } else {
      const h = roundUp(Math.ceil(k / 2), KC)
      gemmWasm(rt, threads, m, n, h, alpha, a, sa0, sa1, oa, b, sb0, sb1, ob, beta, c, sc0, sc1, oc)
      gemmWasm(rt, threads, m, n, k - h, alpha, a, sa0, sa1, oa + h * sa1, b, sb0, sb1, ob + h * sb0, 1, c, sc0, sc1, oc)
    }
    return
  }
  ensureBytes(rt, bytesA + bytesB + bytesC)
  const pa = DATA_START, pb = pa + bytesA, pc = pb + bytesB
  const mem: F = isF64 ? rt.f64 : rt.f32
  packA(mem, pa / es, a, sa0, sa1, oa, m, k, mp, mr)
  packB(mem, pb / es, b, sb0, sb1, ob, k, n, np, nr)

  // items: row blocks × column blocks of C; more, smaller items when several threads share the work
  const flops = m * n * k
  let t = Math.max(1, Math.min(threads, Math.floor(flops / MIN_FLOPS_PER_THREAD)))
  let mci = Math.min(MC, mp), nci = Math.min(NC, np)
  if (t > 1) {
    const target = 4 * t
    const count = (): number => Math.ceil(mp / mci) * Math.ceil(np / nci)
    while (count() < target && mci > 8 * mr) mci = roundUp(Math.ceil(mci / 2), mr)
    while (count() < target && nci > 8 * nr) nci = roundUp(Math.ceil(nci / 2), nr)
  }
  const nim = Math.ceil(mp / mci), nItems = nim * Math.ceil(np / nci)
  t = Math.min(t, nItems)
  const workers = t > 1 ? Math.min(t - 1, ensureWorkers(rt, t - 1)) : 0
  runJob(rt, nItems, workers, (ctl) => {
    ctl[8] = isF64 ? 1 : 0; ctl[9] = pa; ctl[10] = pb; ctl[11] = pc
    ctl[12] = mp; ctl[13] = np; ctl[14] = k; ctl[15] = mci; ctl[16] = nci; ctl[17] = KC; ctl[18] = nim; ctl[19] = es
  })
  copyOut(mem, pc / es, np, m, n, alpha, beta, c, sc0, sc1, oc)
}
