import * as TE from 'fp-ts/lib/TaskEither.js'
import type { Mat } from '@lr/svd'
import type { GpuContext } from '../context.js'
import { InvalidArgument, toGpuError, type GpuError } from '../errors.js'
import { choleskyUpper, invertUpper, mulSquare } from '../internal/small.js'
import { downloadMat, uploadMat, type GpuMat } from '../transfer/gpuMat.js'
import { gemmGpuMat, unwrap } from '../gemm/gemmGpu.js'

const U32 = 2 ** -24

const toF64 = (m: Mat<Float32Array>): Float64Array => Float64Array.from(m.data)
const squareMat = (x: Float64Array, k: number): Mat<Float32Array> => ({ data: Float32Array.from(x), shape: [k, k], stride: [k, 1], offset: 0 })

/** One CholeskyQR step on the GPU: G = XᵀX (GPU), R = chol(G + shift·I) (CPU, f64), Q = X·R⁻¹ (GPU). */
const cholQrStep = async (ctx: GpuContext, x: GpuMat, isShifted: boolean): Promise<{ q: GpuMat; r: Float64Array } | undefined> => {
  const [m, k] = x.shape
  const g = await unwrap(gemmGpuMat(ctx, x, x, { opA: 'transpose' }))
  let gh: Mat<Float32Array>
  try { gh = await unwrap(downloadMat(ctx, g)) } finally { g.destroy() }
  const gd = toF64(gh)
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) { const s = (gd[i * k + j]! + gd[j * k + i]!) / 2; gd[i * k + j] = s; gd[j * k + i] = s }
  if (isShifted) {
    // Fukaya, Kannan, Nakatsukasa, Yamamoto, Yanagisawa (2020), shifted CholeskyQR: s = 11(mk + k(k+1))·u·‖X‖², ‖X‖₂² ≤ trace(G)
    let tr = 0
    for (let i = 0; i < k; i++) tr += gd[i * k + i]!
    const shift = 11 * (m * k + k * (k + 1)) * U32 * tr
    for (let i = 0; i < k; i++) gd[i * k + i]! += shift
  }
  const r = choleskyUpper(gd, k)
  if (!r) return undefined
  const rinv = await unwrap(uploadMat(ctx, squareMat(invertUpper(r, k), k)))
  try {
    return { q: await unwrap(gemmGpuMat(ctx, x, rinv)), r }
  } finally {
    rinv.destroy()
  }
}

/**
 * CholeskyQR2 of a tall-skinny X `[m, k]` resident on the GPU: X = Q·R with QᵀQ = I, R upper
 * triangular `[k, k]` (f64, positive diagonal). Two CholeskyQR steps (Fukaya et al. 2014); when the
 * Gram matrix is not numerically positive definite (κ(X) ≳ 1/√u) a shifted step comes first
 * (CholeskyQR3, arXiv:1809.11085). Returns a new GpuMat Q; X is not modified.
 * @internal used by choleskyQr2Gpu and randomizedSvdGpu
 */
export const choleskyQr2GpuMat = async (ctx: GpuContext, op: string, x: GpuMat): Promise<{ q: GpuMat; r: Float64Array }> => {
  const [m, k] = x.shape
  if (k > m) throw new InvalidArgument(op, 'x', `CholeskyQR needs a tall matrix (rows >= cols), got [${m}, ${k}]`)
  let first = await cholQrStep(ctx, x, false)
  let steps: Float64Array[] = []
  if (!first) {
    first = await cholQrStep(ctx, x, true)
    if (!first) throw new InvalidArgument(op, 'x', 'the Gram matrix is not positive definite even after the shift: X has a zero or non-finite column')
    const mid = await cholQrStep(ctx, first.q, false)
    first.q.destroy()
    if (!mid) throw new InvalidArgument(op, 'x', 'X is numerically rank deficient (κ > 1/u)')
    steps = [first.r]
    first = mid
  }
  const second = await cholQrStep(ctx, first.q, false)
  first.q.destroy()
  if (!second) throw new InvalidArgument(op, 'x', 'X is numerically rank deficient (κ > 1/u)')
  let r = mulSquare(second.r, first.r, k)
  for (const s of steps) r = mulSquare(r, s, k)
  return { q: second.q, r }
}

/**
 * Tall-skinny orthonormalization X = Q·R on the GPU by CholeskyQR2 (shifted CholeskyQR3 when X is
 * ill-conditioned). X `[m, k]` with m ≥ k, any strides; returns Q `[m, k]` (f32) and R `[k, k]` (f32,
 * upper triangular, positive diagonal). ‖QᵀQ − I‖_F ≤ 6(mk + k(k+1))·u for κ(X) ≤ u^(-1/2).
 * Papers: Fukaya et al. 2014 (CholeskyQR2), arXiv:1809.11085 (shifted CholeskyQR). CPU reference: `qr`.
 * @example const { q, r } = await choleskyQr2Gpu(ctx, y)().then((e) => (e._tag === 'Right' ? e.right : Promise.reject(e.left)))
 * @since 0.1.0  @category orthonormalization
 */
export const choleskyQr2Gpu = (ctx: GpuContext, x: Mat): TE.TaskEither<GpuError, { q: Mat<Float32Array>; r: Mat<Float32Array> }> =>
  TE.tryCatch(async () => {
    const gx = await unwrap(uploadMat(ctx, x))
    try {
      const { q, r } = await choleskyQr2GpuMat(ctx, 'choleskyQr2Gpu', gx)
      try {
        const k = x.shape[1]
        const rr = new Float32Array(k * k)
        for (let i = 0; i < k; i++) for (let j = i; j < k; j++) rr[i * k + j] = r[i * k + j]!
        return { q: await unwrap(downloadMat(ctx, q)), r: { data: rr, shape: [k, k] as const, stride: [k, 1] as const, offset: 0 } }
      } finally {
        q.destroy()
      }
    } finally {
      gx.destroy()
    }
  }, toGpuError('choleskyQr2Gpu'))
