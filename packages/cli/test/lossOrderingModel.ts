// Shared by the loss-ordering tests: tinyllama-bytes/base and calib_code in memory, per-row losses of the base with
// some linear weights replaced, and the paired per-row comparison the orderings are asserted with.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { buildLlama, evaluateLoss, parseLlamaConfig } from '@lr/pipeline'
import { readAllTensors } from '@lr/pipeline/node'
import { covarianceEigen, covarianceKeyFor, isLinearWeight, type CovarianceEigen } from '@lr/quant'
import { matrix, type Mat } from '@lr/svd'

const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const T = join(FIXTURES, 'tinyllama-bytes')

export interface Linear { readonly name: string; readonly m: number; readonly n: number; readonly w: Mat<Float32Array>; readonly covKey: string }

/** The base model, its 28 linear layers (f32) and the code covariances; eigendecompositions cached per input. */
export const loadTinyllama = async (): Promise<{
  linears: Linear[]; cov: (l: Linear) => Mat<Float32Array>; eig: (l: Linear) => CovarianceEigen
  rowLosses: (over: ReadonlyMap<string, Float32Array>, rows: number) => Promise<number[]>
}> => {
  const base = await readAllTensors(join(T, 'base'))
  const calib = await readAllTensors(join(T, 'calib_code.safetensors'))
  const config = parseLlamaConfig(JSON.parse(readFileSync(join(T, 'base/config.json'), 'utf8')), 'config.json')
  const code = new Uint8Array(readFileSync(join(T, 'eval_code.u8')))
  const keys = new Set(calib.keys())
  const linears = [...base.entries()].filter(([n, t]) => isLinearWeight(n, t.shape)).sort(([a], [b]) => a.localeCompare(b)).map(([name, t]) => {
    const [m, n] = t.shape as [number, number]
    return { name, m, n, w: matrix(toFloat32(t), m, n), covKey: covarianceKeyFor(name.slice(0, -'.weight'.length), keys)! }
  })
  const covs = new Map<string, Mat<Float32Array>>(), eigs = new Map<string, CovarianceEigen>()
  const cov = (l: Linear): Mat<Float32Array> => {
    let c = covs.get(l.covKey)
    if (!c) { c = matrix(toFloat32(calib.get(l.covKey)!), l.n, l.n); covs.set(l.covKey, c) }
    return c
  }
  const eig = (l: Linear): CovarianceEigen => {
    let e = eigs.get(l.covKey)
    if (!e) { e = covarianceEigen(cov(l)); eigs.set(l.covKey, e) }
    return e
  }
  /** Loss of each of the first `rows` eval_code rows (256 targets each) with `over`'s weights replacing the base's. */
  const rowLosses = async (over: ReadonlyMap<string, Float32Array>, rows: number): Promise<number[]> => {
    const get = (n: string): NamedTensor | undefined => { const o = over.get(n); return o ? { name: n, dtype: 'F32', shape: base.get(n)!.shape, data: o } : base.get(n) }
    const model = buildLlama(config, get, 'tinyllama-bytes/base')
    const out: number[] = []
    for (let r = 0; r < rows; r++) {
      const res = await evaluateLoss(model, code.subarray(r * 257, (r + 1) * 257))()
      if (res._tag === 'Left') throw res.left
      out.push(res.right.loss)
    }
    return out
  }
  return { linears, cov, eig, rowLosses }
}

/** W' = base + b·a (f32, accumulated in f64). */
export const plusProduct = (base: Float32Array, b: Mat, a: Mat): Float32Array => {
  const [m, r] = b.shape, n = a.shape[1], out = Float64Array.from(base)
  for (let i = 0; i < m; i++) for (let k = 0; k < r; k++) {
    const v = b.data[b.offset + i * b.stride[0] + k * b.stride[1]]!
    for (let j = 0; j < n; j++) out[i * n + j] += v * a.data[a.offset + k * a.stride[0] + j * a.stride[1]]!
  }
  return Float32Array.from(out)
}

/** Paired comparison of two models on the same rows: mean of (lossA − lossB) per row and its standard error. */
export const paired = (a: readonly number[], b: readonly number[]): { meanA: number; meanB: number; diff: number; stdErr: number } => {
  const d = a.map((x, i) => x - b[i]!), n = d.length
  const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length
  const md = mean(d)
  return { meanA: mean(a), meanB: mean(b), diff: md, stdErr: Math.sqrt(d.reduce((s, x) => s + (x - md) ** 2, 0) / (n - 1) / n) }
}
