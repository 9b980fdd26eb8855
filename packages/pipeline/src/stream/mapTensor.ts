import { StageFailed } from '../errors.js'
import { makeStream, type TensorStream } from './stream.js'

/** Options of `mapTensor`.  @since 0.1.0  @category combinators */
export interface MapTensorOptions {
  /** Name of the stage in errors and progress. @default the function's name, else 'mapTensor' */
  readonly stage?: string
}

/** Applies `f` to each element as it is loaded (one at a time: memory stays bounded by one tensor).
 *  `f` may return a new tensor, several (e.g. `weight_u` and `weight_v` of a factored layer), or a Promise.
 *  An exception from `f` becomes a `StageFailed` naming the stage, the tensor and the reason; the sink then
 *  writes nothing.
 *  @example pipe(readCheckpoint('model'), mapTensor((t) => castTo(t, 'BF16'), { stage: 'cast' }), writeCheckpoint('out'))
 *  @since 0.1.0  @category combinators */
export const mapTensor = <A, B>(f: (a: A, name: string) => B | Promise<B>, opts: MapTensorOptions = {}) => (s: TensorStream<A>): TensorStream<B> => {
  const stage = opts.stage ?? (f.name !== '' && f.name !== 'f' ? f.name : 'mapTensor')
  return makeStream(async () => {
    const o = await s.open()
    return {
      close: o.close,
      items: o.items.map((it) => ({
        name: it.name,
        load: async () => {
          const a = await it.load()
          try { return await f(a, it.name) } catch (e) { throw asStageFailed(stage, it.name, e) }
        },
      })),
    }
  })
}

/** Wraps an exception as the StageFailed of `stage` on `tensor` (a StageFailed passes through). */
export const asStageFailed = (stage: string, tensor: string, e: unknown): StageFailed => {
  if ((e as { _tag?: string } | null)?._tag === 'StageFailed') return e as StageFailed
  const tag = (e as { _tag?: string } | null)?._tag
  const msg = e instanceof Error ? e.message : String(e)
  return new StageFailed(stage, tensor, tag ? `${tag}: ${msg}` : msg, e)
}
