import * as TE from 'fp-ts/lib/TaskEither.js'
import type { Mat } from '@lr/svd'
import type { GpuContext } from '../context.js'
import { InvalidArgument, toGpuError, type GpuError } from '../errors.js'
import { jacobiSvd } from '../internal/small.js'
import { downloadMat, uploadMat, type GpuMat } from '../transfer/gpuMat.js'
import { gemmGpuMat, unwrap } from '../gemm/gemmGpu.js'
import { choleskyQr2GpuMat } from '../choleskyQr2/choleskyQr2Gpu.js'

/** Options of randomizedSvdGpu (same names and defaults as @lr/svd's randomizedSvd). @since 0.1.0  @category randomized-svd */
export interface RandomizedSvdGpuOptions {
  /** Number of singular triplets returned. */
  readonly rank: number
  /** Extra sketch columns (l = rank + oversample). @default 10 */
  readonly oversample?: number
  /** Subspace (power) iterations, each re-orthonormalized by CholeskyQR2. @default 2 */
  readonly powerIters?: number
  /** Source of standard normal samples for the sketch, e.g. `seededRng(42)` of @lr/svd. */
  readonly rng: { normal(): number }
}

/** The truncated SVD A ≈ U·diag(s)·Vt: u `[m, rank]`, s descending `[rank]`, vt `[rank, n]`, all f32. */
export interface GpuSvdResult {
  readonly u: Mat<Float32Array>
  readonly s: Float32Array
  readonly vt: Mat<Float32Array>
}

const small = (x: Float64Array, rows: number, cols: number, ld: number): Mat<Float32Array> => {
  const d = new Float32Array(rows * cols)
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) d[i * cols + j] = x[i * ld + j]!
  return { data: d, shape: [rows, cols], stride: [cols, 1], offset: 0 }
}

/**
 * Randomized SVD (Halko, Martinsson, Tropp 2011, arXiv:0909.4061, Alg. 4.4) with every product on the GPU:
 * Y = A·Ω, Q = CholeskyQR2(Y); `powerIters` times Q = orth(A·orth(Aᵀ·Q)); Bᵀ = Aᵀ·Q = Q_b·R_b (CholeskyQR2);
 * the l×l SVD of R_b runs on the CPU in f64 (one-sided Jacobi); U = Q·V_r, V = Q_b·U_r on the GPU.
 * Same algorithm as torch.svd_lowrank(A, q = rank + oversample, niter = powerIters). A `[m, n]` as a Mat
 * (uploaded in row blocks) or a resident GpuMat (f32 or f16). Ω is drawn row-major from `rng`.
 * @example const { u, s, vt } = await unwrap(randomizedSvdGpu(ctx, a, { rank: 64, rng: seededRng(42) }))
 * @since 0.1.0  @category randomized-svd
 */
export const randomizedSvdGpu = (ctx: GpuContext, a: Mat | GpuMat, opts: RandomizedSvdGpuOptions): TE.TaskEither<GpuError, GpuSvdResult> =>
  TE.tryCatch(async () => {
    const op = 'randomizedSvdGpu'
    const [m, n] = a.shape
    const rank = opts.rank, oversample = opts.oversample ?? 10, iters = opts.powerIters ?? 2
    if (!Number.isInteger(rank) || rank < 1 || rank > Math.min(m, n)) throw new InvalidArgument(op, 'rank', `${rank} must be an integer in [1, min(m, n) = ${Math.min(m, n)}]`)
    if (!Number.isInteger(oversample) || oversample < 0) throw new InvalidArgument(op, 'oversample', `${oversample} must be a non-negative integer`)
    if (!Number.isInteger(iters) || iters < 0) throw new InvalidArgument(op, 'powerIters', `${iters} must be a non-negative integer`)
    const l = Math.min(rank + oversample, m, n)
    const live = new Set<GpuMat>()
    const keep = <G extends GpuMat>(g: G): G => { live.add(g); return g }
    const drop = (g: GpuMat): void => { g.destroy(); live.delete(g) }
    try {
      const ga = 'blocks' in a ? a : keep(await unwrap(uploadMat(ctx, a)))
      const omega = new Float32Array(n * l)
      for (let i = 0; i < omega.length; i++) omega[i] = opts.rng.normal()
      const gOmega = keep(await unwrap(uploadMat(ctx, { data: omega, shape: [n, l], stride: [l, 1], offset: 0 })))
      const orth = async (y: GpuMat): Promise<GpuMat> => {
        const { q } = await choleskyQr2GpuMat(ctx, op, y)
        drop(y)
        return keep(q)
      }
      let q = await orth(keep(await unwrap(gemmGpuMat(ctx, ga, gOmega))))
      drop(gOmega)
      for (let i = 0; i < iters; i++) {
        const w = await orth(keep(await unwrap(gemmGpuMat(ctx, ga, q, { opA: 'transpose' }))))
        drop(q)
        q = await orth(keep(await unwrap(gemmGpuMat(ctx, ga, w))))
        drop(w)
      }
      const bt = keep(await unwrap(gemmGpuMat(ctx, ga, q, { opA: 'transpose' }))) // [n, l] = (QᵀA)ᵀ
      const { q: qb, r: rb } = await choleskyQr2GpuMat(ctx, op, bt)
      keep(qb)
      drop(bt)
      // Bᵀ = Q_b·R_b, R_b = U_r Σ V_rᵀ  ⇒  A ≈ Q·B = (Q·V_r)·Σ·(Q_b·U_r)ᵀ
      const { u: ur, s, v: vr } = jacobiSvd(rb, l)
      const gvr = keep(await unwrap(uploadMat(ctx, small(vr, l, rank, l))))
      const gur = keep(await unwrap(uploadMat(ctx, small(ur, l, rank, l))))
      const gu = keep(await unwrap(gemmGpuMat(ctx, q, gvr)))
      const gv = keep(await unwrap(gemmGpuMat(ctx, qb, gur)))
      const u = await unwrap(downloadMat(ctx, gu))
      const v = await unwrap(downloadMat(ctx, gv))
      const vt = new Float32Array(rank * n)
      for (let i = 0; i < n; i++) for (let j = 0; j < rank; j++) vt[j * n + i] = v.data[i * rank + j]!
      return { u, s: Float32Array.from(s.subarray(0, rank)), vt: { data: vt, shape: [rank, n] as const, stride: [n, 1] as const, offset: 0 } }
    } finally {
      for (const g of live) g.destroy()
    }
  }, toGpuError('randomizedSvdGpu'))
