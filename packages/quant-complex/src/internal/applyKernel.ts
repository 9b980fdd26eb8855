// Multiplication-free Fairy2i apply (unchecked kernels; inputs validated by fairy2iApply).
//
// For one input x (length 2m): a_k = x[k], b_k = x[m+k]. A code c at column k contributes to four signed sums:
//   c = 0 (+1): Sa_re += a, Sb_re += b     c = 2 (−1): Sa_re −= a, Sb_re −= b
//   c = 1 (+i): Sa_im += a, Sb_im += b     c = 3 (−i): Sa_im −= a, Sb_im −= b
// Then U·x_c   = (s_re·Sa_re − s_im·Sb_im) + i·(s_re·Sb_re + s_im·Sa_im)
//      W·x̄_c   = (s_re·Sa_re + s_im·Sb_im) + i·(s_im·Sa_im − s_re·Sb_re)
// (scales applied once per row and stage). A packed byte holds 4 codes, so the four sums of its 4 columns
// for each of the 256 byte values are tabulated once per x (additions only): table[g·1024 + byte·4 + 0..3]
// = (Sa_re, Sb_re, Sa_im, Sb_im) of group g. Each row then costs one table lookup (4 additions) per byte.

/** Table entries per group (256 byte values × 4 sums). */
export const GROUP_FLOATS = 1024

/** Fills `table` (length ⌈m/4⌉·1024) for x = data[xOff + k·xs], k < 2m. Sums of ≤ 4 terms, computed in f64, rounded once. */
export const buildTable = (m: number, data: Float32Array, xOff: number, xs: number, table: Float32Array, pair: Float64Array): void => {
  const groups = (m + 3) >>> 2
  for (let g = 0; g < groups; g++) {
    // pair[h·64 + p·4 + q]: the four sums of the 2 codes p (column 2h) and q-th component ... built below
    for (let h = 0; h < 2; h++) {
      const k0 = 4 * g + 2 * h, k1 = k0 + 1
      const a0 = k0 < m ? data[xOff + k0 * xs]! : 0, b0 = k0 < m ? data[xOff + (m + k0) * xs]! : 0
      const a1 = k1 < m ? data[xOff + k1 * xs]! : 0, b1 = k1 < m ? data[xOff + (m + k1) * xs]! : 0
      for (let c1 = 0; c1 < 4; c1++) {
        for (let c0 = 0; c0 < 4; c0++) {
          const o = h * 64 + ((c1 << 2) | c0) * 4
          let sar = 0, sbr = 0, sai = 0, sbi = 0
          if (c0 === 0) { sar += a0; sbr += b0 } else if (c0 === 2) { sar -= a0; sbr -= b0 } else if (c0 === 1) { sai += a0; sbi += b0 } else { sai -= a0; sbi -= b0 }
          if (c1 === 0) { sar += a1; sbr += b1 } else if (c1 === 2) { sar -= a1; sbr -= b1 } else if (c1 === 1) { sai += a1; sbi += b1 } else { sai -= a1; sbi -= b1 }
          pair[o] = sar; pair[o + 1] = sbr; pair[o + 2] = sai; pair[o + 3] = sbi
        }
      }
    }
    const base = g * GROUP_FLOATS
    for (let hi = 0; hi < 16; hi++) {
      const ho = 64 + hi * 4
      const h0 = pair[ho]!, h1 = pair[ho + 1]!, h2 = pair[ho + 2]!, h3 = pair[ho + 3]!
      for (let lo = 0; lo < 16; lo++) {
        const lo4 = lo * 4, o = base + ((hi << 4) | lo) * 4
        table[o] = pair[lo4]! + h0
        table[o + 1] = pair[lo4 + 1]! + h1
        table[o + 2] = pair[lo4 + 2]! + h2
        table[o + 3] = pair[lo4 + 3]! + h3
      }
    }
  }
}

/**
 * y[yOff + j·ys] for j < 2n, one input: for each row j < n and each (stage, U|W), the four sums by table lookups
 * over the row's ⌈m/4⌉ bytes; f64 accumulators; scales once per row and stage. `words` is the same bytes viewed as
 * u32 (when every row starts on a 4-byte boundary), read 16 codes at a time.
 */
export const applyRows = (
  n: number, rowBytes: number, codes: readonly Uint8Array[], words: readonly (Uint32Array | undefined)[], scales: Float64Array,
  table: Float32Array, out: Float32Array, yOff: number, ys: number,
): void => {
  const mats = codes.length // 2·T: U₀, W₀, U₁, W₁, …
  const rowWords = rowBytes >>> 2
  for (let j = 0; j < n; j++) {
    let yre = 0, yim = 0
    for (let q = 0; q < mats; q++) {
      let sar = 0, sbr = 0, sai = 0, sbi = 0
      const w32 = words[q]
      if (w32 !== undefined) {
        let p = j * rowWords
        const end = p + rowWords
        let g = 0
        for (; p < end; p++, g += 4 * GROUP_FLOATS) {
          const w = w32[p]!
          let o = g + ((w & 255) << 2)
          sar += table[o]!; sbr += table[o + 1]!; sai += table[o + 2]!; sbi += table[o + 3]!
          o = g + GROUP_FLOATS + (((w >>> 8) & 255) << 2)
          sar += table[o]!; sbr += table[o + 1]!; sai += table[o + 2]!; sbi += table[o + 3]!
          o = g + 2 * GROUP_FLOATS + (((w >>> 16) & 255) << 2)
          sar += table[o]!; sbr += table[o + 1]!; sai += table[o + 2]!; sbi += table[o + 3]!
          o = g + 3 * GROUP_FLOATS + ((w >>> 24) << 2)
          sar += table[o]!; sbr += table[o + 1]!; sai += table[o + 2]!; sbi += table[o + 3]!
        }
      } else {
        const c = codes[q]!
        const start = j * rowBytes
        for (let b = 0; b < rowBytes; b++) {
          const o = b * GROUP_FLOATS + (c[start + b]! << 2)
          sar += table[o]!; sbr += table[o + 1]!; sai += table[o + 2]!; sbi += table[o + 3]!
        }
      }
      const sRe = scales[2 * q]!, sIm = scales[2 * q + 1]!
      if ((q & 1) === 0) { // U·x_c
        yre += sRe * sar - sIm * sbi
        yim += sRe * sbr + sIm * sai
      } else {             // W·conj(x_c)
        yre += sRe * sar + sIm * sbi
        yim += sIm * sai - sRe * sbr
      }
    }
    out[yOff + j * ys] = yre
    out[yOff + (j + n) * ys] = yim
  }
}
