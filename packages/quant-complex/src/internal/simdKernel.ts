// WebAssembly SIMD apply: one wasm instance per prepared layer, its memory holding
// [byte table: groups·4096 B][nibble tables: groups·512 B][codes: 2T·n·rowBytes B][sums: n·2T·16 B].
// JS builds the nibble tables (16 entries × 4 sums per pair of columns, additions only), wasm `buildByte` adds them into
// the byte table, wasm `rowsByte` makes the four signed sums per row and matrix (f32x4), JS applies the scales (f64).
// Batches of 2+ vectors run 4 at a time (`simdApplyBatch`): after the regions above the memory holds
// [batch byte table: BLOCK_GROUPS·16 KiB][batch nibble tables: BLOCK_GROUPS·2 KiB][batch sums: n·2T·64 B], the columns are
// walked in blocks of BLOCK_GROUPS·4 (the block's table, 4 vectors per entry, stays in L2) and each code word, read once,
// serves 4 vectors through one 64-byte line per packed byte.
import { APPLY_SIMD_WASM_BASE64 } from './applySimdWasm.js'
import type { Fairy2iPacked } from '../fairy2iQuantize.js'

export interface SimdLayer {
  readonly n: number
  readonly m: number
  readonly rowBytes: number
  readonly mats: number
  readonly scales: Float64Array
  readonly f32: Float32Array
  readonly pairsOff: number
  readonly codesOff: number
  readonly sumsOff: number
  readonly buildByte: (groups: number, pairs: number, table: number) => void
  readonly rowsByte: (n: number, mats: number, rowBytes: number, codes: number, table: number, sums: number) => void
  readonly table4Off: number
  readonly pairs4Off: number
  readonly sums4Off: number
  readonly buildByte4: (groups: number, pairs: number, table: number) => void
  readonly rows4: (n: number, mats: number, rowBytes: number, blockBytes: number, codes: number, table: number, sums: number) => void
  /** Bytes of wasm memory this layer holds. */
  readonly memoryBytes: number
}

const wasmBytes = (): Uint8Array<ArrayBuffer> => Uint8Array.from(atob(APPLY_SIMD_WASM_BASE64), (c) => c.charCodeAt(0))

/** True when this runtime validates the kernel (WebAssembly with SIMD). */
export const hasWasmSimd = (): boolean => typeof WebAssembly === 'object' && WebAssembly.validate(wasmBytes())

const align16 = (x: number): number => (x + 15) & ~15

/** Packed bytes (groups of 4 columns) per column block of the batched kernel: a multiple of 4 (whole u32 code words).
 *  16 groups = 64 columns → a 256 KiB table for 4 vectors, half of one core's L2 here. On 4096×4096, batch 16, the whole
 *  row in one block (8 MiB table) was 2–3× slower; 8, 16 and 32 groups were within the noise of the shared VM. */
export const BLOCK_GROUPS = 16
/** Input vectors per batched kernel call. */
export const BATCH = 4

/** Copies the codes into a fresh wasm memory. Requires rowBytes % 4 === 0 (checked by the caller). */
export const createSimdLayer = (p: Fairy2iPacked): SimdLayer => {
  const n = p.rows / 2, m = p.cols / 2, rowBytes = (m + 3) >>> 2, groups = rowBytes, mats = 2 * p.stages.length
  const pairsOff = groups * 4096, codesOff = pairsOff + groups * 512, sumsOff = align16(codesOff + mats * n * rowBytes)
  const table4Off = align16(sumsOff + n * mats * 16), pairs4Off = table4Off + BLOCK_GROUPS * 16384
  const sums4Off = pairs4Off + BLOCK_GROUPS * 2048
  const total = sums4Off + n * mats * 16 * BATCH
  const memory = new WebAssembly.Memory({ initial: Math.ceil(total / 65536) })
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasmBytes()), { env: { memory } })
  const u8 = new Uint8Array(memory.buffer)
  const scales = new Float64Array(2 * mats)
  p.stages.forEach((s, t) => {
    u8.set(s.u.codes, codesOff + 2 * t * n * rowBytes)
    u8.set(s.w.codes, codesOff + (2 * t + 1) * n * rowBytes)
    scales.set([s.u.scaleRe, s.u.scaleIm, s.w.scaleRe, s.w.scaleIm], 4 * t)
  })
  const ex = instance.exports as unknown as Pick<SimdLayer, 'buildByte' | 'rowsByte' | 'buildByte4' | 'rows4'>
  return {
    n, m, rowBytes, mats, scales, f32: new Float32Array(memory.buffer), pairsOff, codesOff, sumsOff, buildByte: ex.buildByte, rowsByte: ex.rowsByte,
    table4Off, pairs4Off, sums4Off, buildByte4: ex.buildByte4, rows4: ex.rows4, memoryBytes: memory.buffer.byteLength,
  }
}

/** One input vector x = data[xOff + k·xs] (k < 2m) → y[yOff + j·ys] (j < 2n). */
export const simdApply = (L: SimdLayer, data: Float32Array, xOff: number, xs: number, out: Float32Array, yOff: number, ys: number): void => {
  const { n, m, f32, mats, scales } = L
  const pairs = m >>> 1
  let o = L.pairsOff >>> 2
  for (let g = 0; g < pairs; g++, o += 64) {
    const k0 = 2 * g
    const a0 = data[xOff + k0 * xs]!, a1 = data[xOff + (k0 + 1) * xs]!
    const b0 = data[xOff + (m + k0) * xs]!, b1 = data[xOff + (m + k0 + 1) * xs]!
    // entry (c1 << 2 | c0): code c adds (+a, +b) to (Sa_re, Sb_re) for c = 0, (−a, −b) for 2, to (Sa_im, Sb_im) for 1 / 3
    for (let c1 = 0; c1 < 4; c1++) {
      const s1 = c1 < 2 ? 1 : -1, im1 = c1 & 1
      for (let c0 = 0; c0 < 4; c0++) {
        const s0 = c0 < 2 ? 1 : -1, im0 = c0 & 1, e = o + ((c1 << 2) | c0) * 4
        f32[e] = (im0 ? 0 : s0 * a0) + (im1 ? 0 : s1 * a1)
        f32[e + 1] = (im0 ? 0 : s0 * b0) + (im1 ? 0 : s1 * b1)
        f32[e + 2] = (im0 ? s0 * a0 : 0) + (im1 ? s1 * a1 : 0)
        f32[e + 3] = (im0 ? s0 * b0 : 0) + (im1 ? s1 * b1 : 0)
      }
    }
  }
  L.buildByte(L.rowBytes, L.pairsOff, 0)
  L.rowsByte(n, mats, L.rowBytes, L.codesOff, 0, L.sumsOff)
  let s = L.sumsOff >>> 2
  for (let j = 0; j < n; j++) {
    let yre = 0, yim = 0
    for (let q = 0; q < mats; q++, s += 4) {
      const sar = f32[s]!, sbr = f32[s + 1]!, sai = f32[s + 2]!, sbi = f32[s + 3]!, sRe = scales[2 * q]!, sIm = scales[2 * q + 1]!
      if ((q & 1) === 0) { yre += sRe * sar - sIm * sbi; yim += sRe * sbr + sIm * sai }
      else { yre += sRe * sar + sIm * sbi; yim += sIm * sai - sRe * sbr }
    }
    out[yOff + j * ys] = yre
    out[yOff + (j + n) * ys] = yim
  }
}

/**
 * `count` (1…4) input vectors x_b = data[xOff + b·xRow + k·xs] → y_b[yOff + b·yRow + j·ys], with one pass over the codes
 * per block of columns: each packed byte is looked up once for 4 vectors (missing vectors are zeros, their rows unused).
 */
export const simdApplyBatch = (
  L: SimdLayer, count: number, data: Float32Array, xOff: number, xRow: number, xs: number, out: Float32Array, yOff: number, yRow: number, ys: number,
): void => {
  const { n, m, f32, mats, scales, rowBytes } = L
  const s4 = L.sums4Off >>> 2
  f32.fill(0, s4, s4 + n * mats * 4 * BATCH)
  for (let g0 = 0; g0 < rowBytes; g0 += BLOCK_GROUPS) {
    const groups = Math.min(BLOCK_GROUPS, rowBytes - g0) // a multiple of 4: rowBytes is
    let o = L.pairs4Off >>> 2
    for (let pp = 0; pp < 2 * groups; pp++, o += 256) {
      const k0 = 4 * g0 + 2 * pp
      for (let b = 0; b < BATCH; b++) {
        let a0 = 0, a1 = 0, b0 = 0, b1 = 0
        if (b < count) {
          const xo = xOff + b * xRow
          a0 = data[xo + k0 * xs]!; a1 = data[xo + (k0 + 1) * xs]!
          b0 = data[xo + (m + k0) * xs]!; b1 = data[xo + (m + k0 + 1) * xs]!
        }
        for (let c1 = 0; c1 < 4; c1++) {
          const t1 = c1 < 2 ? a1 : -a1, u1 = c1 < 2 ? b1 : -b1, im1 = c1 & 1
          for (let c0 = 0; c0 < 4; c0++) {
            const t0 = c0 < 2 ? a0 : -a0, u0 = c0 < 2 ? b0 : -b0, im0 = c0 & 1, e = o + ((c1 << 2) | c0) * 16 + 4 * b
            f32[e] = (im0 ? 0 : t0) + (im1 ? 0 : t1)
            f32[e + 1] = (im0 ? 0 : u0) + (im1 ? 0 : u1)
            f32[e + 2] = (im0 ? t0 : 0) + (im1 ? t1 : 0)
            f32[e + 3] = (im0 ? u0 : 0) + (im1 ? u1 : 0)
          }
        }
      }
    }
    L.buildByte4(groups, L.pairs4Off, L.table4Off)
    L.rows4(n, mats, rowBytes, groups, L.codesOff + g0, L.table4Off, L.sums4Off)
  }
  for (let b = 0; b < count; b++) {
    let s = s4 + 4 * b
    const yo = yOff + b * yRow
    for (let j = 0; j < n; j++) {
      let yre = 0, yim = 0
      for (let q = 0; q < mats; q++, s += 4 * BATCH) {
        const sar = f32[s]!, sbr = f32[s + 1]!, sai = f32[s + 2]!, sbi = f32[s + 3]!, sRe = scales[2 * q]!, sIm = scales[2 * q + 1]!
        if ((q & 1) === 0) { yre += sRe * sar - sIm * sbi; yim += sRe * sbr + sIm * sai }
        else { yre += sRe * sar + sIm * sbi; yim += sIm * sai - sRe * sbr }
      }
      out[yo + j * ys] = yre
      out[yo + (j + n) * ys] = yim
    }
  }
}
