import * as TE from 'fp-ts/lib/TaskEither.js'
import { pipe } from 'fp-ts/lib/function.js'
import { Fairy2iFormatError } from './errors.js'
import { packedRowBytes } from './packCodes.js'
import type { Fairy2iPacked, Fairy2iStage } from './fairy2iQuantize.js'
import { assertPacked } from './internal/assertPacked.js'

/** `__metadata__.lr_format` of a packed Fairy2i checkpoint. @since 0.1.0 @category format */
export const FAIRY2I_FORMAT = 'fairy2i-packed-v1'

/** Key suffixes of one packed layer `<m>.weight` (see docs/fairy2i.md):
 *  `<m>.weight_fairy2i_codes` U8 `[T, 2, out/2, ⌈in/8⌉]` (index 1: 0 = U, 1 = W), `<m>.weight_fairy2i_scales` F32 `[T, 2, 2]`
 *  ((U, W) × (s_re, s_im)), `<m>.weight_fairy2i_shape` I32 `[2]` = [out, in]. @since 0.1.0 @category format */
export const FAIRY2I_SUFFIX = { codes: '_fairy2i_codes', scales: '_fairy2i_scales', shape: '_fairy2i_shape' } as const

/** A safetensors tensor as `@lr/io-safetensors` writes it (`NamedTensor`), restricted to the dtypes this format uses.
 *  @since 0.1.0  @category format */
export interface PackedTensor {
  readonly name: string
  readonly dtype: 'U8' | 'F32' | 'I32'
  readonly shape: number[]
  readonly data: Uint8Array | Float32Array | Int32Array
}

/** Any tensor read back (`NamedTensor` of `@lr/io-safetensors` fits). @since 0.1.0 @category format */
export interface TensorLike {
  readonly name: string
  readonly dtype: string
  readonly shape: readonly number[]
  readonly data: ArrayBufferView
}

/** The `__metadata__` entries of a packed checkpoint with `stages` stages. @since 0.1.0 @category format */
export const fairy2iMetadata = (stages: number): Record<string, string> => ({
  lr_format: FAIRY2I_FORMAT,
  fairy2i_stages: String(stages),
  fairy2i_codes: '2 bits per complex code, 4 per byte, low bits first; 0:+1 1:+i 2:-1 3:-i',
})

/**
 * The three tensors that store the packed layer `weightName` (e.g. `model.layers.0.mlp.down_proj.weight`):
 * codes U8 `[T, 2, n, ⌈m/4⌉]`, scales F32 `[T, 2, 2]`, shape I32 `[2]` (n = out/2, m = in/2). Codes and scales are copied verbatim.
 * @example const tensors = toFairy2iTensors('lm_head.weight', fairy2iQuantize(a))
 * @since 0.1.0  @category format
 */
export function toFairy2iTensors(weightName: string, p: Fairy2iPacked): PackedTensor[] {
  assertPacked(p, 'toFairy2iTensors', weightName)
  const t = p.stages.length, n = p.rows / 2, rb = packedRowBytes(p.cols / 2), per = n * rb
  const codes = new Uint8Array(t * 2 * per), scales = new Float32Array(t * 4)
  p.stages.forEach((s, i) => {
    codes.set(s.u.codes, (2 * i) * per)
    codes.set(s.w.codes, (2 * i + 1) * per)
    scales.set([s.u.scaleRe, s.u.scaleIm, s.w.scaleRe, s.w.scaleIm], 4 * i)
  })
  return [
    { name: weightName + FAIRY2I_SUFFIX.codes, dtype: 'U8', shape: [t, 2, n, rb], data: codes },
    { name: weightName + FAIRY2I_SUFFIX.scales, dtype: 'F32', shape: [t, 2, 2], data: scales },
    { name: weightName + FAIRY2I_SUFFIX.shape, dtype: 'I32', shape: [2], data: new Int32Array([p.rows, p.cols]) },
  ]
}

/** The weight names (`<m>.weight`) that have packed Fairy2i tensors among `keys`, in key order.
 *  @example fairy2iLayerNames(ckpt.tensors.map((t) => t.name))
 *  @since 0.1.0  @category format */
export const fairy2iLayerNames = (keys: Iterable<string>): string[] => {
  const out: string[] = []
  for (const k of keys) if (k.endsWith(FAIRY2I_SUFFIX.codes)) out.push(k.slice(0, -FAIRY2I_SUFFIX.codes.length))
  return out
}

/** True when `key` is one of the tensors of a packed layer. @since 0.1.0 @category format */
export const isFairy2iKey = (key: string): boolean => Object.values(FAIRY2I_SUFFIX).some((s) => key.endsWith(s))

const expectTensor = (get: (key: string) => TensorLike | undefined, key: string, dtype: string, rank: number): TensorLike => {
  const t = get(key)
  if (t === undefined) throw new Fairy2iFormatError('missing-tensor', key, 'not in the checkpoint')
  if (t.dtype !== dtype) throw new Fairy2iFormatError('wrong-dtype', key, `dtype ${t.dtype}; expected ${dtype}`)
  if (t.shape.length !== rank) throw new Fairy2iFormatError('wrong-shape', key, `shape [${t.shape.join(', ')}]; expected rank ${rank}`)
  return t
}

/**
 * Reads one packed layer back from its three tensors (the inverse of {@link toFairy2iTensors}; codes and scales exactly).
 * `get(key)` returns a tensor or undefined (a Map's `get`, or a lookup over a read checkpoint).
 * @throws Fairy2iFormatError naming the tensor on a missing tensor, wrong dtype or shape, or a non-finite scale.
 * @example const p = fromFairy2iTensors('lm_head.weight', (k) => byName.get(k))
 * @since 0.1.0  @category format
 */
export function fromFairy2iTensors(weightName: string, get: (key: string) => TensorLike | undefined): Fairy2iPacked {
  const codesT = expectTensor(get, weightName + FAIRY2I_SUFFIX.codes, 'U8', 4)
  const scalesT = expectTensor(get, weightName + FAIRY2I_SUFFIX.scales, 'F32', 3)
  const shapeT = expectTensor(get, weightName + FAIRY2I_SUFFIX.shape, 'I32', 1)
  const shape = shapeT.data as Int32Array
  if (shape.length !== 2) throw new Fairy2iFormatError('wrong-shape', shapeT.name, `holds ${shape.length} values; expected [out, in]`)
  const rows = shape[0]!, cols = shape[1]!
  const [t, two, n, rb] = codesT.shape as [number, number, number, number]
  if (two !== 2 || n !== rows / 2 || rb !== packedRowBytes(cols / 2) || t < 1 || t > 8) {
    throw new Fairy2iFormatError('wrong-shape', codesT.name, `shape [${codesT.shape.join(', ')}]; expected [1…8, 2, ${rows / 2}, ${packedRowBytes(cols / 2)}] for a [${rows}, ${cols}] layer`)
  }
  if (scalesT.shape[0] !== t || scalesT.shape[1] !== 2 || scalesT.shape[2] !== 2) {
    throw new Fairy2iFormatError('wrong-shape', scalesT.name, `shape [${scalesT.shape.join(', ')}]; expected [${t}, 2, 2]`)
  }
  const codes = codesT.data as Uint8Array, scales = scalesT.data as Float32Array
  for (let i = 0; i < scales.length; i++) {
    if (!Number.isFinite(scales[i]!) || scales[i]! < 0) throw new Fairy2iFormatError('bad-scale', scalesT.name, `value ${scales[i]} at ${i}; scales are finite and ≥ 0`)
  }
  const per = n * rb
  // Each stage's codes start on a 4-byte boundary (copied when the source is misaligned) so the kernel can read u32 words.
  const slice = (q: number): Uint8Array => {
    const v = codes.subarray(q * per, (q + 1) * per)
    return v.byteOffset % 4 === 0 ? v : Uint8Array.from(v)
  }
  const stages: Fairy2iStage[] = []
  for (let i = 0; i < t; i++) {
    stages.push({
      u: { codes: slice(2 * i), scaleRe: scales[4 * i]!, scaleIm: scales[4 * i + 1]! },
      w: { codes: slice(2 * i + 1), scaleRe: scales[4 * i + 2]!, scaleIm: scales[4 * i + 3]! },
    })
  }
  const p = { rows, cols, stages }
  assertPacked(p, 'fromFairy2iTensors', weightName)
  return p
}

/** A source of tensors by name, such as `@lr/io-safetensors`'s `Checkpoint`. @since 0.1.0 @category format */
export interface TensorSource<E> {
  readTensor(name: string): TE.TaskEither<E, TensorLike>
}

/**
 * Reads one packed layer from a checkpoint (`openCheckpoint` of `@lr/io-safetensors/node`): its three tensors, then
 * {@link fromFairy2iTensors}. This is what `lr eval` uses to run packed checkpoints without densifying.
 * @example const p = await readFairy2iLayer(ckpt, 'model.layers.0.mlp.down_proj.weight')()
 * @since 0.1.0  @category format
 */
export const readFairy2iLayer = <E>(src: TensorSource<E>, weightName: string): TE.TaskEither<E | Fairy2iFormatError, Fairy2iPacked> =>
  pipe(
    TE.Do,
    TE.bind('codes', () => src.readTensor(weightName + FAIRY2I_SUFFIX.codes)),
    TE.bind('scales', () => src.readTensor(weightName + FAIRY2I_SUFFIX.scales)),
    TE.bind('shape', () => src.readTensor(weightName + FAIRY2I_SUFFIX.shape)),
    TE.chainW(({ codes, scales, shape }) => {
      const byKey = new Map([[weightName + FAIRY2I_SUFFIX.codes, codes], [weightName + FAIRY2I_SUFFIX.scales, scales], [weightName + FAIRY2I_SUFFIX.shape, shape]])
      return TE.tryCatch(async () => fromFairy2iTensors(weightName, (k) => byKey.get(k)), (e) => e as Fairy2iFormatError)
    }),
  )
