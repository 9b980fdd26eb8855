import { InvalidArgument, ShapeMismatch } from './errors.js'
import { gemmKernel, withResident } from './internal/gemmKernel.js'
import { tallSkinnyQr } from './internal/tallSkinnyQr.js'
import { assertFinite, copyToF64, fromWork, toMat } from './internal/validate.js'
import type { LinearOperator } from './linearOperator.js'
import { zerosLike, type Float, type Mat, type MatLike } from './mat.js'
import { seededRng, type Rng } from './seededRng.js'
import { svdUnchecked, type Svd } from './svd.js'

/** Options of {@link randomizedSvd} and {@link randomizedSvdAsync}.  @since 0.1.0  @category decompositions */
export interface RandomizedSvdOptions {
  /** Number of singular triplets returned, 1 ≤ rank ≤ min(m, n). */
  readonly rank: number
  /** Extra sketch columns p (sketch width l = min(rank + p, min(m, n))).  @default 10 */
  readonly oversample?: number
  /** Power (subspace) iterations q, each re-orthonormalized by QR.  @default 2 */
  readonly powerIters?: number
  /** Source of the Gaussian test matrix; the same seed gives bit-identical output.  @default seededRng(0) */
  readonly rng?: Rng
  /** Check a Mat input (and every operator product) for NaN/Inf.  @default true */
  readonly checkFinite?: boolean
}

type Request<T extends Float> = { readonly kind: 'matmul'; readonly x: Mat<T> } | { readonly kind: 'rmatmul'; readonly y: Mat<T> }

/** An orthonormal basis of the columns of y [m, l] (m ≥ l): the Q of a thin QR (CholeskyQR2, or
 *  Householder when y is ill-conditioned; see internal/tallSkinnyQr.ts), computed in f64. */
/** Work buffers of one randomizedSvd call, reused by its 2q + 1 orthonormalizations (fresh pages are
 *  slow to touch on VMs: a [4096, 74] f64 block is 600 page faults). */
interface HalkoWork { readonly y64: Float64Array; readonly qr: readonly [Float64Array, Float64Array] }

const orthonormalize = <T extends Float>(y: Mat<T>, opts: { readonly isBasisOnly: boolean }, work: HalkoWork): Mat<T> => {
  const [m, l] = y.shape
  const y64 = copyToF64(y, { transposed: false, scale: 1, out: work.y64.subarray(0, m * l) })
  return fromWork(y, tallSkinnyQr(m, l, y64, { ...opts, work: work.qr }).q, m, l, { transposed: false, scale: 1 })
}

/** Halko–Martinsson–Tropp (2011) Algorithm 4.4 + 5.1 as a generator of operator requests, so that the
 *  same code drives sync (Mat, CPU operators) and async (GPU) operators. */
function* halko<T extends Float>(m: number, n: number, f32: boolean, opts: RandomizedSvdOptions): Generator<Request<T>, Svd<T>, Mat<T>> {
  const k = Math.min(m, n)
  const l = Math.min(opts.rank + (opts.oversample ?? 10), k)
  const rng = opts.rng ?? seededRng(0)
  const omegaData = (f32 ? new Float32Array(n * l) : new Float64Array(n * l)) as T
  for (let i = 0; i < omegaData.length; i++) omegaData[i] = rng.normal()
  const omega: Mat<T> = { data: omegaData, shape: [n, l], stride: [l, 1], offset: 0 }
  // intermediate bases of the power iteration need only be well conditioned (one CholeskyQR pass);
  // the last Q, which B = QᵀA and U = Q·Ub rely on, is orthonormal to working precision
  const iters = opts.powerIters ?? 2
  const big = Math.max(m, n) * l
  const work: HalkoWork = { y64: new Float64Array(big), qr: [new Float64Array(big), new Float64Array(big)] }
  let q = orthonormalize(yield { kind: 'matmul', x: omega }, { isBasisOnly: iters > 0 }, work)
  for (let it = 0; it < iters; it++) {
    const z = orthonormalize(yield { kind: 'rmatmul', y: q }, { isBasisOnly: true }, work)
    q = orthonormalize(yield { kind: 'matmul', x: z }, { isBasisOnly: it < iters - 1 }, work)
  }
  const bt = yield { kind: 'rmatmul', y: q }                 // Bᵀ = Aᵀ·Q  [n, l]
  // B = Qᵀ·A [l, n] through a thin QR of Bᵀ = Qb·Rb: B = Rbᵀ·Qbᵀ, and the SVD of the small Rbᵀ = U₁·S·W₁ᵀ
  // gives B = U₁·S·(Qb·W₁)ᵀ: Ub = U₁, V = Qb·W₁ (what LAPACK's gesdd does for a wide B, with QR + GEMMs).
  const thin = tallSkinnyQr(n, l, copyToF64(bt, { transposed: false, scale: 1, out: work.y64.subarray(0, n * l) }), { work: work.qr })
  const rbt: Mat<Float64Array> = { data: thin.r, shape: [l, l], stride: [1, l], offset: 0 }   // Rbᵀ (a view)
  const small = svdUnchecked(rbt, 'thin', 'randomizedSvd') as Svd<Float64Array>             // U₁ [l, l], W₁ᵀ [l, l]
  const r = opts.rank
  const u1 = zerosLike(q, l, r)                                // U₁[:, :r] in the dtype of Q
  for (let i = 0; i < l; i++) for (let j = 0; j < r; j++) u1.data[i * r + j] = small.u.data[small.u.offset + i * small.u.stride[0] + j * small.u.stride[1]]!
  const u = zerosLike(q, m, r)
  gemmKernel(m, r, l, 1, q.data, q.stride[0], q.stride[1], q.offset, u1.data, r, 1, 0, 0, u.data, r, 1, 0)   // U = Q·U₁
  const s = small.s.slice(0, r)
  const vt64 = new Float64Array(r * n)
  gemmKernel(r, n, l, 1, small.vt.data, small.vt.stride[0], small.vt.stride[1], small.vt.offset, thin.q, 1, l, 0, 0, vt64, n, 1, 0)   // Vᵀ = W₁ᵀ·Qbᵀ
  const vt = fromWork(q, vt64, r, n, { transposed: false, scale: 1 })
  return { u, s: (f32 ? Float32Array.from(s) : s) as T, vt }
}

const isOperator = (a: unknown): a is LinearOperator =>
  typeof a === 'object' && a !== null && typeof (a as LinearOperator).matmul === 'function' && typeof (a as LinearOperator).rmatmul === 'function'

const checkOptions = (op: string, m: number, n: number, opts: RandomizedSvdOptions): void => {
  const k = Math.min(m, n)
  if (!Number.isInteger(opts.rank) || opts.rank < 1 || opts.rank > k)
    throw new InvalidArgument(op, 'rank', `must be an integer in [1, min(m, n) = ${k}] for shape [${m}, ${n}], got ${opts.rank}`)
  const p = opts.oversample ?? 10, q = opts.powerIters ?? 2
  if (!Number.isInteger(p) || p < 0) throw new InvalidArgument(op, 'oversample', `must be an integer ≥ 0, got ${p}`)
  if (!Number.isInteger(q) || q < 0) throw new InvalidArgument(op, 'powerIters', `must be an integer ≥ 0, got ${q}`)
}

const checkProduct = <T extends Float>(op: string, name: string, r: unknown, rows: number, cols: number, f32: boolean, checkFinite: boolean): Mat<T> => {
  const M = toMat(r as MatLike<T>, op, name)
  if (M.shape[0] !== rows || M.shape[1] !== cols) throw new ShapeMismatch(op, `${name} must return [${rows}, ${cols}]`, M.shape, [rows, cols])
  if ((M.data instanceof Float32Array) !== f32) throw new InvalidArgument(op, name, `returned ${f32 ? 'f64' : 'f32'} data for a ${f32 ? 'f32' : 'f64'} operator`)
  if (checkFinite) assertFinite(M, op, name)
  return M
}

/** A as an operator for halko. Its products are consumed (copied) before the next one is asked for,
 *  so each output shape gets one buffer, reused. */
const matOperator = <T extends Float>(A: Mat<T>) => {
  const outs = new Map<string, Mat<T>>()
  const outOf = (rows: number, cols: number): Mat<T> => {
    const key = `${rows}x${cols}`
    let o = outs.get(key)
    if (o === undefined) { o = zerosLike(A, rows, cols); outs.set(key, o) }
    return o
  }
  return {
    matmul: (x: Mat<T>): Mat<T> => {
      const out = outOf(A.shape[0], x.shape[1])
      gemmKernel(A.shape[0], x.shape[1], A.shape[1], 1, A.data, A.stride[0], A.stride[1], A.offset, x.data, x.stride[0], x.stride[1], x.offset, 0, out.data, out.stride[0], out.stride[1], 0)
      return out
    },
    rmatmul: (y: Mat<T>): Mat<T> => {
      const out = outOf(A.shape[1], y.shape[1])
      gemmKernel(A.shape[1], y.shape[1], A.shape[0], 1, A.data, A.stride[1], A.stride[0], A.offset, y.data, y.stride[0], y.stride[1], y.offset, 0, out.data, out.stride[0], out.stride[1], 0)
      return out
    },
  }
}

const randomizedSvdImpl = <T extends Float>(a: MatLike<T> | LinearOperator<T>, opts: RandomizedSvdOptions): Svd<T> => {
  const op = 'randomizedSvd'
  let prod: { matmul(x: Mat<T>): Mat<T> | Promise<Mat<T>>; rmatmul(y: Mat<T>): Mat<T> | Promise<Mat<T>> }
  let m: number, n: number, f32: boolean, fromOperator: boolean, matA: Mat<T> | undefined
  if (isOperator(a)) {
    ;[m, n] = a.shape; f32 = a.dtype === 'f32'; prod = a; fromOperator = true
  } else {
    const A = toMat(a, op, 'a')
    if (opts.checkFinite !== false) assertFinite(A, op, 'a')
    ;[m, n] = A.shape; f32 = A.data instanceof Float32Array; prod = matOperator(A); fromOperator = false; matA = A
  }
  checkOptions(op, m, n, opts)
  const gen = halko<T>(m, n, f32, opts)
  const run = (): Svd<T> => {
  let step = gen.next()
  while (!step.done) {
    const req = step.value
    const r = req.kind === 'matmul' ? prod.matmul(req.x) : prod.rmatmul(req.y)
    if (r instanceof Promise) throw new InvalidArgument(op, 'a', 'the operator returned a Promise; use randomizedSvdAsync for async (GPU) operators')
    step = gen.next(fromOperator
      ? checkProduct<T>(op, `op.${req.kind}`, r, req.kind === 'matmul' ? m : n, req.kind === 'matmul' ? req.x.shape[1] : req.y.shape[1], f32, opts.checkFinite !== false)
      : r)
  }
  return step.value
  }
  // A Mat is read by all 2q + 3 products: the WebAssembly kernels keep one copy of it in their memory
  return fromOperator ? run() : withResident(matA!.data, matA!.offset, matA!.stride[0], matA!.stride[1], m, n, run)
}

/** Signature of {@link randomizedSvd}: `randomizedSvd(a, opts)` or `pipe(a, randomizedSvd(opts))`. */
export interface RandomizedSvdFn {
  <T extends Float>(a: MatLike<T> | LinearOperator<T>, opts: RandomizedSvdOptions): Svd<T>
  (opts: RandomizedSvdOptions): <T extends Float>(a: MatLike<T> | LinearOperator<T>) => Svd<T>
}

/**
 * Randomized truncated SVD (Halko, Martinsson & Tropp, "Finding structure with randomness", SIAM
 * Review 2011, arXiv:0909.4061; Alg. 4.4 power iteration with QR re-orthonormalization at every step,
 * then Alg. 5.1). A [m, n] as a Mat or a synchronous {@link LinearOperator} (e.g. the factored B·A of
 * a LoRA); returns U [m, rank], s [rank] descending, Vᵀ [rank, n]; dtype follows the input. Cost:
 * 2(q + 1) + 1 products with l = rank + oversample columns. Same rng seed → bit-identical result.
 * Equals sklearn's randomized_svd(n_oversamples=10, n_iter=2, power_iteration_normalizer='QR') up to
 * the random draw.
 * @example
 * import { randomizedSvd, seededRng, matrix } from '@lr/svd'
 * const a = matrix(Float64Array.from({ length: 60 * 40 }, (_, i) => Math.sin(i) / (1 + (i % 40))), 60, 40)
 * const { u, s, vt } = randomizedSvd(a, { rank: 8, rng: seededRng(42) })   // u [60, 8], vt [8, 40]
 * @since 0.1.0  @category decompositions
 */
export const randomizedSvd: RandomizedSvdFn = function (this: unknown, ...args: unknown[]) {
  if (args.length >= 2) return randomizedSvdImpl(args[0] as MatLike, args[1] as RandomizedSvdOptions)
  return (a: MatLike | LinearOperator) => randomizedSvdImpl(a, args[0] as RandomizedSvdOptions)
} as RandomizedSvdFn

/**
 * {@link randomizedSvd} over an async {@link LinearOperator} (GPU products from @lr/kernels-gpu): the
 * operator's products are awaited; the small QR/SVD steps run on the CPU. Same seed → same result as
 * the sync version for the same products. Rejects with the same tagged errors.
 * @example
 * import { randomizedSvdAsync, seededRng, gemm, matrix, transpose } from '@lr/svd'
 * const a = matrix(Float64Array.from({ length: 30 * 20 }, (_, i) => Math.cos(i)), 30, 20)
 * const op = { shape: [30, 20] as const, dtype: 'f64' as const,
 *   matmul: async (x: typeof a) => gemm(a, x), rmatmul: async (y: typeof a) => gemm(transpose(a), y) }
 * const { s } = await randomizedSvdAsync(op, { rank: 4, rng: seededRng(1) })
 * @since 0.1.0  @category decompositions
 */
export const randomizedSvdAsync = async <T extends Float>(op: LinearOperator<T>, opts: RandomizedSvdOptions): Promise<Svd<T>> => {
  const name = 'randomizedSvdAsync'
  if (!isOperator(op)) throw new InvalidArgument(name, 'op', 'expected a LinearOperator { shape, dtype, matmul, rmatmul }')
  const [m, n] = op.shape, f32 = op.dtype === 'f32'
  checkOptions(name, m, n, opts)
  const gen = halko<T>(m, n, f32, opts)
  let step = gen.next()
  while (!step.done) {
    const req = step.value
    const r = await (req.kind === 'matmul' ? op.matmul(req.x) : op.rmatmul(req.y))
    step = gen.next(checkProduct<T>(name, `op.${req.kind}`, r, req.kind === 'matmul' ? m : n, req.kind === 'matmul' ? req.x.shape[1] : req.y.shape[1], f32, opts.checkFinite !== false))
  }
  return step.value
}
