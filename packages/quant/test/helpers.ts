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

/** Minimal F32 safetensors reader for fixtures (the tests do not depend on @lr/io-safetensors). */
export const readF32Safetensors = (path: string): Map<string, Mat<Float32Array>> => {
  const raw = readFileSync(path)
  const n = Number(raw.readBigUInt64LE(0))
  const header = JSON.parse(raw.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>
  const out = new Map<string, Mat<Float32Array>>()
  for (const [k, v] of Object.entries(header)) {
    if (k === '__metadata__' || v.dtype !== 'F32') continue
    const [a, b] = v.data_offsets
    const data = new Float32Array((b - a) / 4)
    for (let i = 0; i < data.length; i++) data[i] = raw.readFloatLE(8 + n + a + 4 * i)
    const rows = v.shape[0]!, cols = v.shape.length === 2 ? v.shape[1]! : 1
    out.set(k, matrix(data, rows, cols))
  }
  return out
}

export interface CompressRef { shape: [number, number]; rank: number; jitter: number; svd_tail_fro2: number; svd_cal: number; svdllm_cal: number; asvd_cal: number; int4_cal: number; int4_eora16_cal: number }
const refJson = JSON.parse(readFileSync(new URL('./ref/compress_ref.json', import.meta.url), 'utf8')) as Record<string, unknown>
const allCompressRef = Object.fromEntries(Object.entries(refJson).filter(([k]) => k.startsWith('model.'))) as Record<string, CompressRef>
/** PEFT loftq_init (NF4 path) re-implemented in numpy on layer-0 q_proj, rank 16: ‖W − deq(Q) − B·A‖_F². */
export const loftqRef = refJson['loftq_q_proj_r16'] as { iters1: number; iters3: number; nf4_only: number }

let layer0: Map<string, Mat<Float32Array>> | undefined, calib: Map<string, Mat<Float32Array>> | undefined
export const tinyLayer0 = (): Map<string, Mat<Float32Array>> => (layer0 ??= readF32Safetensors(`${fixturesDir}/tinyllama-bytes/base_layer0_f32.safetensors`))
export const calibCode = (): Map<string, Mat<Float32Array>> => (calib ??= readF32Safetensors(`${fixturesDir}/tinyllama-bytes/calib_code.safetensors`))
/** Calib key of a Llama module: q/k/v share q_proj's input, gate/up share gate_proj's. */
export const calibKey = (mod: string): string => mod.replace(/(k_proj|v_proj)$/, 'q_proj').replace(/up_proj$/, 'gate_proj')

/** u·v as a dense f64 Mat. */
export const product = (u: Mat, v: Mat): Mat<Float64Array> => {
  const [m, r] = u.shape, n = v.shape[1], out = new Float64Array(m * n)
  for (let i = 0; i < m; i++) for (let t = 0; t < r; t++) {
    const a = u.data[u.offset + i * u.stride[0] + t * u.stride[1]]!
    for (let j = 0; j < n; j++) out[i * n + j] += a * v.data[v.offset + t * v.stride[0] + j * v.stride[1]]!
  }
  return matrix(out, m, n)
}
export const frob2Diff = (a: Mat, b: Mat): number => {
  let s = 0
  const [m, n] = a.shape
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    const d = a.data[a.offset + i * a.stride[0] + j * a.stride[1]]! - b.data[b.offset + i * b.stride[0] + j * b.stride[1]]!
    s += d * d
  }
  return s
}

/** The layer-0 modules the fixture tests use (keeps the suite fast): a singular covariance (q/v share it), o_proj, and the 768-wide down_proj. */
export const compressRef: Record<string, CompressRef> = Object.fromEntries(
  ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.v_proj', 'model.layers.0.self_attn.o_proj', 'model.layers.0.mlp.down_proj'].map((k) => [k, allCompressRef[k]!]))
/** Modules with a 256-wide input (cheap eigendecompositions) for EoRA. */
export const eoraModules = ['model.layers.0.self_attn.q_proj', 'model.layers.0.self_attn.o_proj', 'model.layers.0.mlp.gate_proj']
export const compressRefAll = allCompressRef
