// C = alpha·A·B + beta·C through the WebAssembly SIMD kernels (GotoBLAS/BLIS scheme).
//
// Data flow: the caller's A and B stay where they are (any strides, any offset); the main thread
// copies them into the shared memory: an operand whose rows are contiguous (A along k, B along n,
// possibly after using Cᵀ = Bᵀ·Aᵀ) row by row with a memcpy, read in place by the kernel; any other
// layout is packed (A into MR-row slivers, B into NR-column slivers, per KC-deep block, zero-padded to
// whole tiles); the items (row block × column block of C,
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

/** Operands of at least this many elements with a unit stride are packed inside the wasm memory
 *  (staged by memcpy, then packed by all threads); smaller ones are packed in JS. */
const MIN_WASM_PACK = 1 << 15
/** Slivers per packing item. */
const PACK_SLIVERS = 16

/** Direct (unpacked) operands only when the other side of C is at most this wide: measured here, the
 *  in-place A micro-kernel runs ~10% slower than the packed one, which only pays off when each
 *  element of A is used few times (A·Ω with Ω [k, 74]: −12% time; square 1536³: +45% time). */
const DIRECT_MAX_OTHER = 128

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

/** Leading dimension (elements) for a direct copy of rows of `len` elements: 64-byte multiple, and
 *  never a multiple of 4 KiB (power-of-two strides alias in the caches). */
const leadingDim = (len: number, es: number): number => {
  let ld = roundUp(len, 64 / es)
  if ((ld * es) % 4096 === 0) ld += 64 / es
  return ld
}

/** Rows shorter than this are copied by a loop: `subarray` + `set` allocates a view per row, which
 *  costs more than it saves on short rows (a [4096, 74] operand is 4096 such rows). */
const MIN_SET_LEN = 256

/** dst[d .. d+len) = src[s .. s+len). */
const copyLine = (dst: F, d: number, src: F, s: number, len: number): void => {
  if (len >= MIN_SET_LEN) dst.set(src.subarray(s, s + len), d)
  else for (let j = 0; j < len; j++) dst[d + j] = src[s + j]!
}

/** Direct A: rows of A (unit stride along k) copied to dst with leading dimension lda; rows m..mp zero. */
const copyRowsA = (dst: F, d0: number, a: F, sa0: number, oa: number, m: number, k: number, mp: number, lda: number): void => {
  for (let i = 0; i < m; i++) copyLine(dst, d0 + i * lda, a, oa + i * sa0, k)
  dst.fill(0, d0 + m * lda, d0 + mp * lda)
}

/** Direct B: rows of B (unit stride along n) copied to dst with leading dimension ldb ≥ np; columns n..np zero. */
const copyRowsB = (dst: F, d0: number, b: F, sb0: number, ob: number, k: number, n: number, np: number, ldb: number): void => {
  for (let p = 0; p < k; p++) {
    const d = d0 + p * ldb
    copyLine(dst, d, b, ob + p * sb0, n)
    for (let j = n; j < np; j++) dst[d + j] = 0
  }
}

/** Rows of C handled together when the output is written transposed (sc0 = 1): each output line
 *  then gets TRANSPOSE_BLOCK consecutive elements per visit instead of one (cache lines, not elements). */
const TRANSPOSE_BLOCK = 16

/** out = alpha·C + beta·out over the m×n view; beta = 0 never reads out (NaN-safe, as BLAS). */
const copyOut = (src: F, s0: number, ldc: number, m: number, n: number, alpha: number, beta: number, c: F, sc0: number, sc1: number, oc: number): void => {
  if (sc0 === 1 && sc1 !== 1 && beta === 0) {
    // column-major output: blocks of rows, column by column
    for (let i0 = 0; i0 < m; i0 += TRANSPOSE_BLOCK) {
      const i1 = Math.min(m, i0 + TRANSPOSE_BLOCK)
      for (let j = 0; j < n; j++) {
        const d = oc + j * sc1
        for (let i = i0; i < i1; i++) c[d + i] = alpha * src[s0 + i * ldc + j]!
      }
    }
    return
  }
  for (let i = 0; i < m; i++) {
    const si = s0 + i * ldc
    let d = oc + i * sc0
    if (beta === 0) {
      if (alpha === 1 && sc1 === 1) copyLine(c, d, src, si, n)
      else if (alpha === 1) for (let j = 0; j < n; j++, d += sc1) c[d] = src[si + j]!
      else for (let j = 0; j < n; j++, d += sc1) c[d] = alpha * src[si + j]!
    } else {
      for (let j = 0; j < n; j++, d += sc1) c[d] = alpha * src[si + j]! + beta * c[d]!
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Resident operand: a matrix that several products in a row read (randomizedSvd's A) is copied
// into the wasm memory once, line by line (memcpy, leading dimension padded off multiples of 4 KiB),
// and products that read it use that copy in place instead of copying it again. Held only during a
// synchronous call (withResident), so the caller cannot change it meanwhile.

/** Lines of `len` unit-stride elements, the i-th at data[off + i·srcLd], copied at byte `ptr` with
 *  leading dimension `ld` (elements): the matrix L [lines × len]. The pinned view is L (unit column
 *  stride) or Lᵀ (unit row stride). `packed` caches L and Lᵀ packed as A operands (built by the first
 *  product that reads them whole in that role), after the lines; `bytes` covers all of it. */
interface Resident {
  readonly rt: WasmRuntime; readonly data: F; readonly off: number; readonly srcLd: number; readonly lines: number; readonly len: number
  readonly ptr: number; readonly ld: number; bytes: number; readonly packed: Map<string, number>
}
let resident: Resident | null = null
/** Extra zeroed lines after a resident copy: padded tiles (≤ 16 rows/columns) read there, never past memory. */
const RESIDENT_SLACK_LINES = 16
/** A matrix is kept resident only if its copy and two packed forms fit in this many bytes. */
const MAX_RESIDENT_BYTES = 1 << 30

const scratchStart = (): number => DATA_START + (resident === null ? 0 : resident.bytes)

/** Copies the view (rows × cols, strides s0, s1, one of them 1) into the wasm memory and keeps it
 *  there until the returned release function is called. Returns null if the view has no unit stride,
 *  is too large, or something is already resident. */
export const keepResident = (rt: WasmRuntime, data: F, off: number, s0: number, s1: number, rows: number, cols: number): (() => void) | null => {
  if (resident !== null) return null
  let lines: number, len: number, srcLd: number
  if (s1 === 1 && s0 >= cols) { lines = rows; len = cols; srcLd = s0 }
  else if (s0 === 1 && s1 >= rows) { lines = cols; len = rows; srcLd = s1 }
  else return null
  const es = data.BYTES_PER_ELEMENT
  const ld = leadingDim(len, es)
  const bytes = align64((lines + RESIDENT_SLACK_LINES) * ld * es)
  if (3 * bytes > MAX_RESIDENT_BYTES || !tryEnsureBytes(rt, bytes)) return null
  const mem: F = es === 8 ? rt.f64 : rt.f32
  const p0 = DATA_START / es
  for (let i = 0; i < lines; i++) {
    const s = off + i * srcLd, d = p0 + i * ld
    mem.set(data.subarray(s, s + len), d)
    mem.fill(0, d + len, d + ld)
  }
  mem.fill(0, p0 + lines * ld, p0 + (lines + RESIDENT_SLACK_LINES) * ld)
  const r: Resident = { rt, data, off, srcLd, lines, len, ptr: DATA_START, ld, bytes, packed: new Map() }
  resident = r
  return () => { if (resident === r) resident = null }
}

/** ensureBytes, or false when the memory cannot grow that far (the caller then does without). */
const tryEnsureBytes = (rt: WasmRuntime, bytes: number): boolean => {
  try { ensureBytes(rt, bytes); return true } catch (e) { if (e instanceof RangeError) return false; throw e }
}

/** 'L' if the view [rows × cols] (strides s0, s1, offset o) is exactly the resident L, 'Lt' if it is
 *  exactly Lᵀ, else null. */
const residentWhole = (rt: WasmRuntime, x: F, s0: number, s1: number, o: number, rows: number, cols: number): 'L' | 'Lt' | null => {
  const r = resident
  if (r === null || r.rt !== rt || x !== r.data || o !== r.off) return null
  if (s1 === 1 && s0 === r.srcLd && rows === r.lines && cols === r.len) return 'L'
  if (s0 === 1 && s1 === r.srcLd && rows === r.len && cols === r.lines) return 'Lt'
  return null
}

/** Byte address of the resident L (or Lᵀ) packed as an A operand (MR-row slivers per KC block),
 *  packing it on first use with all threads; −1 (and nothing resident any more) if the memory cannot hold it. */
const residentPackedA = (rt: WasmRuntime, form: 'L' | 'Lt', mr: number, es: number, workers: number): number => {
  const r = resident!
  const key = `${form}:${mr}`
  const hit = r.packed.get(key)
  if (hit !== undefined) return hit
  const rows = form === 'L' ? r.lines : r.len, k = form === 'L' ? r.len : r.lines
  const mp = roundUp(rows, mr)
  const ptr = DATA_START + r.bytes, size = align64(mp * k * es)
  if (!tryEnsureBytes(rt, r.bytes + size)) { resident = null; return -1 }   // do without the resident copy from here on
  const items = Math.ceil(k / KC) * Math.ceil(mp / mr / PACK_SLIVERS)
  runJob(rt, items, Math.min(workers, items - 1), (ctl) => {
    ctl[8] = es === 8 ? 1 : 0; ctl[9] = ptr; ctl[12] = mp; ctl[14] = k; ctl[17] = KC; ctl[19] = es; ctl[23] = mr
    ctl[25] = 1; ctl[26] = items; ctl[27] = form === 'L' ? 1 : 2; ctl[28] = r.ptr; ctl[29] = r.ld * es; ctl[33] = PACK_SLIVERS
  })
  r.bytes += size
  r.packed.set(key, ptr)
  return ptr
}

/** Byte address and leading dimension (elements) of the operand view [rows × cols] (unit column
 *  stride, row stride s0, at offset o) inside the resident copy, or null if it is not part of it. */
const residentView = (rt: WasmRuntime, x: F, s0: number, s1: number, o: number, rows: number, cols: number): { ptr: number; ld: number } | null => {
  const r = resident
  if (r === null || r.rt !== rt || x !== r.data || s1 !== 1 || s0 !== r.srcLd) return null
  const rel = o - r.off
  if (rel < 0) return null
  const line = Math.floor(rel / r.srcLd), col = rel - line * r.srcLd
  if (line + rows > r.lines || col + cols > r.len) return null
  return { ptr: r.ptr + (line * r.ld + col) * x.BYTES_PER_ELEMENT, ld: r.ld }
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
  // In skinny products (the other side ≤ DIRECT_MAX_OTHER) an operand whose rows are contiguous
  // (A along k, B along n) is copied row by row (memcpy) and read in place by the kernel: packing it
  // would cost more than the kernel saves on it. Everything else is packed. C = A·B ⟺ Cᵀ = Bᵀ·Aᵀ:
  // take whichever orientation lets more elements be copied directly.
  // the resident matrix read whole goes to the A role (packed once, reused by every product)
  const formA = residentWhole(rt, a, sa0, sa1, oa, m, k)
  if (formA === null && residentWhole(rt, b, sb0, sb1, ob, k, n) !== null) {
    gemmWasm(rt, threads, n, m, k, alpha, b, sb1, sb0, ob, a, sa1, sa0, oa, beta, c, sc1, sc0, oc)
    return
  }
  const paWhole = formA === null ? -1 : residentPackedA(rt, formA, (a instanceof Float64Array ? rt.shapes.f64 : rt.shapes.f32).mr,
    a.BYTES_PER_ELEMENT, threads > 1 ? Math.min(threads - 1, ensureWorkers(rt, threads - 1)) : 0)
  const wholeA = paWhole >= 0 ? formA : null
  const resA = wholeA === null ? residentView(rt, a, sa0, sa1, oa, m, k) : null, resB = residentView(rt, b, sb0, sb1, ob, k, n)
  if (resident !== null && wholeA === null && resA === null && resB === null &&
    (residentView(rt, b, sb1, sb0, ob, n, k) !== null || residentView(rt, a, sa1, sa0, oa, k, m) !== null)) {
    gemmWasm(rt, threads, n, m, k, alpha, b, sb1, sb0, ob, a, sa1, sa0, oa, beta, c, sc1, sc0, oc)
    return
  }
  const isDirectA = wholeA === null && (resA !== null || ((sa1 === 1 || k === 1) && n <= DIRECT_MAX_OTHER)), isDirectB = (sb1 === 1 || n === 1) && m <= DIRECT_MAX_OTHER
  const score = (isDirectA ? m * k : 0) + (isDirectB ? k * n : 0)
  const swapScore = ((sb0 === 1 || k === 1) && m <= DIRECT_MAX_OTHER ? n * k : 0) + ((sa0 === 1 || m === 1) && n <= DIRECT_MAX_OTHER ? k * m : 0)
  if (swapScore > score && wholeA === null && resA === null && resB === null) {
    gemmWasm(rt, threads, n, m, k, alpha, b, sb1, sb0, ob, a, sa1, sa0, oa, beta, c, sc1, sc0, oc)
    return
  }
  const isF64 = a instanceof Float64Array
  const es = isF64 ? 8 : 4
  const { mr, nr } = isF64 ? rt.shapes.f64 : rt.shapes.f32
  const mp = roundUp(m, mr), np = roundUp(n, nr)
  const lda = resA !== null ? resA.ld : isDirectA ? leadingDim(k, es) : 0, ldb = resB !== null ? resB.ld : isDirectB ? leadingDim(np, es) : 0
  const bytesA = resA !== null || wholeA !== null ? 0 : align64(mp * (isDirectA ? lda : k) * es), bytesB = resB !== null ? 0 : align64(k * (isDirectB ? ldb : np) * es)
  // C's leading dimension is padded off multiples of 4 KiB like the copies: with n = 1024 or 2048 the
  // rows of a tile would alias in the caches (measured: sgemm 2048 on one thread 39 → 45 GFLOP/s)
  const ldc = leadingDim(np, es)
  const bytesC = align64(mp * ldc * es)
  // a packed operand with a unit stride is staged (copied line by line, memcpy) and packed inside
  // the wasm memory by all threads (SIMD transposes/copies); other layouts are packed here in JS
  const modeA = isDirectA || wholeA !== null || m * k < MIN_WASM_PACK ? 0 : sa1 === 1 ? 1 : sa0 === 1 ? 2 : 0
  const modeB = isDirectB || k * n < MIN_WASM_PACK ? 0 : sb0 === 1 ? 1 : sb1 === 1 ? 2 : 0
  const ldsA = modeA === 1 ? leadingDim(k, es) : modeA === 2 ? leadingDim(mp, es) : 0
  const ldsB = modeB === 1 ? leadingDim(k, es) : modeB === 2 ? leadingDim(np, es) : 0
  const bytesStA = align64((modeA === 1 ? mp : k) * ldsA * es), bytesStB = align64((modeB === 1 ? np : k) * ldsB * es)
  if (bytesA + bytesB + bytesC + bytesStA + bytesStB > MAX_PIECE_BYTES) {
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
  const s0 = scratchStart()
  ensureBytes(rt, s0 - DATA_START + bytesA + bytesB + bytesC + bytesStA + bytesStB)
  const pa = wholeA !== null ? paWhole : resA !== null ? resA.ptr : s0, pb = resB !== null ? resB.ptr : s0 + bytesA, pc = s0 + bytesA + bytesB
  const stA = pc + bytesC, stB = stA + bytesStA
  const mem: F = isF64 ? rt.f64 : rt.f32
  if (resA !== null || wholeA !== null) { /* read in place */ } else if (isDirectA) copyRowsA(mem, pa / es, a, sa0, oa, m, k, mp, lda)
  else if (modeA === 1) copyRowsA(mem, stA / es, a, sa0, oa, m, k, mp, ldsA)      // lines = rows of A (along k)
  else if (modeA === 2) copyRowsB(mem, stA / es, a, sa1, oa, k, m, mp, ldsA)      // lines = columns of A (along m)
  else packA(mem, pa / es, a, sa0, sa1, oa, m, k, mp, mr)
  if (resB !== null) { /* read in place */ } else if (isDirectB) copyRowsB(mem, pb / es, b, sb0, ob, k, n, np, ldb)
  else if (modeB === 1) copyRowsA(mem, stB / es, b, sb1, ob, n, k, np, ldsB)      // lines = columns of B (along k)
  else if (modeB === 2) copyRowsB(mem, stB / es, b, sb0, ob, k, n, np, ldsB)      // lines = rows of B (along n)
  else packB(mem, pb / es, b, sb0, sb1, ob, k, n, np, nr)

  // items: row blocks × column blocks of C; more, smaller items when several threads share the work
  const flops = m * n * k
  let t = Math.max(1, Math.min(threads, Math.floor(flops / MIN_FLOPS_PER_THREAD)))
  let mci = Math.min(MC, mp), nci = Math.min(NC, np)
  if (t > 1) {
    // equal blocks, their count a multiple of t and ≥ 2t (a thread the OS parks for a while is
    // covered by the others claiming its share): split the longer side of C, keep the other whole
    // up to the cache block (rows: A blocks stay ≤ MC, the B panel is shared through L3)
    if (mp / mr >= np / nr) {
      const nb = t * Math.max(2, Math.ceil(mp / (t * MC)))
      mci = Math.max(mr, roundUp(Math.ceil(mp / nb), mr))
    } else {
      const nb = t * Math.max(2, Math.ceil(np / (t * NC)))
      nci = Math.max(nr, roundUp(Math.ceil(np / nb), nr))
    }
  }
  const nim = Math.ceil(mp / mci), nItems = nim * Math.ceil(np / nci)
  t = Math.min(t, nItems)
  const workers = t > 1 ? Math.min(t - 1, ensureWorkers(rt, t - 1)) : 0
  const params = (ctl: Int32Array): void => {
    ctl[8] = isF64 ? 1 : 0; ctl[9] = pa; ctl[10] = pb; ctl[11] = pc
    ctl[12] = mp; ctl[13] = np; ctl[14] = k; ctl[15] = mci; ctl[16] = nci; ctl[17] = KC; ctl[18] = nim; ctl[19] = es
    ctl[21] = lda; ctl[22] = ldb; ctl[23] = mr; ctl[24] = nr; ctl[34] = ldc
  }
  if (modeA !== 0 || modeB !== 0) {
    const kBlocks = Math.ceil(k / KC)
    const itemsA = modeA === 0 ? 0 : kBlocks * Math.ceil(mp / mr / PACK_SLIVERS), itemsB = modeB === 0 ? 0 : kBlocks * Math.ceil(np / nr / PACK_SLIVERS)
    runJob(rt, itemsA + itemsB, Math.min(workers, itemsA + itemsB - 1), (ctl) => {
      params(ctl)
      ctl[25] = 1; ctl[26] = itemsA; ctl[27] = modeA; ctl[28] = stA; ctl[29] = ldsA * es
      ctl[30] = modeB; ctl[31] = stB; ctl[32] = ldsB * es; ctl[33] = PACK_SLIVERS
    })
  }
  runJob(rt, nItems, workers, (ctl) => { params(ctl); ctl[25] = 0 })
  copyOut(mem, pc / es, ldc, m, n, alpha, beta, c, sc0, sc1, oc)
}
