import * as TE from 'fp-ts/lib/TaskEither.js'
import type { Float, Mat } from '@lr/svd'
import type { GpuContext } from '../context.js'
import { InvalidArgument, ShapeMismatch, toGpuError, type GpuError } from '../errors.js'
import { runDispatches } from '../internal/run.js'
import { allocGpuMatSync, downloadMat, uploadMat, type GpuDtype, type GpuMat } from '../transfer/gpuMat.js'
import { gemmDispatches, unwrap } from '../gemm/gemmGpu.js'
import { gemvDispatches } from '../gemv/gemvGpu.js'

/** A truncated SVD W ≈ U·diag(S)·Vᵀ: u `[m, r]`, s `[r]`, vt `[r, n]` (the shapes @lr/svd's `svd` returns). */
export interface LowRankFactors {
  readonly u: Mat
  readonly s: Float
  readonly vt: Mat
}

/** Low-rank factors resident on the GPU: `u` `[m, r]` and `svt` = diag(S)·Vᵀ `[r, n]`. Owns both; `destroy()` frees them.
 *  @since 0.1.0  @category low-rank */
export interface GpuLowRank {
  readonly shape: readonly [rows: number, cols: number]
  readonly rank: number
  readonly u: GpuMat
  readonly svt: GpuMat
  destroy(): void
}

/**
 * Uploads U and diag(S)·Vᵀ (S folded into the rows of Vᵀ on the CPU, O(r·n)) for repeated applies.
 * @example const f = await uploadLowRank(ctx, { u, s, vt })()
 * @since 0.1.0  @category low-rank
 */
export const uploadLowRank = (ctx: GpuContext, f: LowRankFactors, opts: { readonly dtype?: GpuDtype } = {}): TE.TaskEither<GpuError, GpuLowRank> =>
  TE.tryCatch(async () => {
    const [m, r] = f.u.shape, n = f.vt.shape[1]
    if (f.vt.shape[0] !== r || f.s.length !== r) throw new ShapeMismatch('uploadLowRank', 'u.cols = s.length = vt.rows', f.u.shape, [f.s.length, ...f.vt.shape])
    const svt = new Float32Array(r * n)
    for (let i = 0; i < r; i++) {
      const si = f.s[i]!, base = f.vt.offset + i * f.vt.stride[0]
      for (let j = 0; j < n; j++) svt[i * n + j] = si * f.vt.data[base + j * f.vt.stride[1]]!
    }
    const dtype = opts.dtype ?? 'f32'
    const gu = await unwrap(uploadMat(ctx, f.u, { dtype }))
    const gs = await uploadMat(ctx, { data: svt, shape: [r, n], stride: [n, 1], offset: 0 }, { dtype })()
    if (gs._tag === 'Left') { gu.destroy(); throw gs.left }
    return { shape: [m, n] as const, rank: r, u: gu, svt: gs.right, destroy: () => { gu.destroy(); gs.right.destroy() } }
  }, toGpuError('uploadLowRank'))

/**
 * Y = U·(S·(Vᵀ·X)) for X `[n, b]` without ever forming the `[m, n]` matrix (the FlashSVD idea):
 * both products run in one command buffer and the `[r, b]` intermediate never leaves the GPU.
 * b = 1 uses the GEMV kernels, b > 1 the GEMM kernels. Cost O(r·(m + n)·b) instead of O(m·n·b).
 * Returns Y `[m, b]` f32. CPU reference: `gemm(u, gemm(diag(s)·vt, x))`.
 * @example const y = await lowRankApplyGpu(ctx, f, matrix(x, n, 1))()
 * @since 0.1.0  @category low-rank
 */
export const lowRankApplyGpu = (ctx: GpuContext, f: GpuLowRank, x: Mat): TE.TaskEither<GpuError, Mat<Float32Array>> =>
  TE.tryCatch(async () => {
    const [m, n] = f.shape, b = x.shape[1]
    if (x.shape[0] !== n) throw new ShapeMismatch('lowRankApplyGpu', 'x.rows = vt.cols', [n], x.shape)
    if (f.u.isDestroyed() || f.svt.isDestroyed()) throw new InvalidArgument('lowRankApplyGpu', 'f', 'the factors were destroyed')
    const owned: GpuMat[] = []
    try {
      const gx = await unwrap(uploadMat(ctx, x)); owned.push(gx)
      const z = allocGpuMatSync(ctx, 'lowRankApplyGpu', f.rank, b); owned.push(z)
      const y = allocGpuMatSync(ctx, 'lowRankApplyGpu', m, b); owned.push(y)
      const op = 'lowRankApplyGpu'
      const list = b === 1
        ? [...await gemvDispatches(ctx, op, f.svt, gx, z, {}), ...await gemvDispatches(ctx, op, f.u, z, y, {})]
        : [...await gemmDispatches(ctx, op, f.svt, gx, z, {}), ...await gemmDispatches(ctx, op, f.u, z, y, {})]
      await runDispatches(ctx, op, list)
      return await unwrap(downloadMat(ctx, y))
    } finally {
      for (const g of owned) g.destroy()
    }
  }, toGpuError('lowRankApplyGpu'))
