import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { matrix, type Mat } from '@lr/svd'

export const fixturesDir = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
export const ref = JSON.parse(readFileSync(new URL('./ref/quant_ref.json', import.meta.url), 'utf8')) as {
  nf4_codebook_kernels_cu: number[]; nf4_normal_map: number[]
  w: { shape: [number, number]; data: number[] }
  nf4: { absmax: number[]; packed: number[]; dequant: number[] }
  int4_asym: RtnRef; int3_sym: RtnRef
}
export interface RtnRef { bits: number; groupSize: number; isSymmetric: boolean; scales: number[]; zeros: number[]; codes: number[]; dequant: number[] }

/** A column-major copy of a row-major matrix, with a leading offset: same logical values, other strides. */
export const colMajorWithOffset = (m: Mat<Float32Array>, pad = 3): Mat<Float32Array> => {
  const [r, c] = m.shape
  const d = new Float32Array(pad + r * c)
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) d[pad + j * r + i] = m.data[m.offset + i * m.stride[0] + j * m.stride[1]]!
  return { data: d, shape: [r, c], stride: [1, r], offset: pad }
}

export const refW = (): Mat<Float32Array> => matrix(Float32Array.from(ref.w.data), ref.w.shape[0], ref.w.shape[1])

/** Deterministic pseudo-random f32 matrix (LCG), for tests that need data but not fast-check shrinking. */
export const randMat = (rows: number, cols: number, seed: number, scale = 1): Mat<Float32Array> => {
  let s = seed >>> 0
  const d = new Float32Array(rows * cols)
  for (let i = 0; i < d.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const u1 = (s + 1) / 4294967297
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    const u2 = s / 4294967296
    d[i] = scale * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2)
  }
  return matrix(d, rows, cols)
}
