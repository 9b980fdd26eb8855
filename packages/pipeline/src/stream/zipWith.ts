import { StageFailed } from '../errors.js'
import { asStageFailed } from './mapTensor.js'
import { makeStream, type TensorStream } from './stream.js'

/** Options of `zipWith`.  @since 0.1.0  @category combinators */
export interface ZipWithOptions {
  /** What to do with an element the second stream lacks: fail (a StageFailed naming it) or drop it. @default 'fail' */
  readonly onMissing?: 'fail' | 'skip'
  /** Stage name in errors. @default 'zipWith' */
  readonly stage?: string
}

/** Pairs each element with the element of the same name in `other` (e.g. tuned with base) and combines
 *  them with `f`. Both streams are opened together and closed together; only matched elements of `other`
 *  are read.
 *  @example pipe(readCheckpoint('tuned'), zipWith(readCheckpoint('base'), (t, b) => subtract(t, b)), writeCheckpoint('delta'))
 *  @since 0.1.0  @category combinators */
export const zipWith = <B, A, C>(other: TensorStream<B>, f: (a: A, b: B, name: string) => C | Promise<C>, opts: ZipWithOptions = {}) =>
  (s: TensorStream<A>): TensorStream<C> => {
    const stage = opts.stage ?? 'zipWith'
    return makeStream(async () => {
      const o = await s.open()
      let o2
      try { o2 = await other.open() } catch (e) { await o.close(); throw e }
      const close = async () => { await Promise.all([o.close(), o2.close()]) }
      const byName = new Map(o2.items.map((it) => [it.name, it]))
      const items = []
      for (const it of o.items) {
        const b = byName.get(it.name)
        if (!b) {
          if (opts.onMissing === 'skip') continue
          await close()
          throw new StageFailed(stage, it.name, 'not in the second stream; the checkpoints differ in their tensors (pass { onMissing: "skip" } to drop such tensors)')
        }
        items.push({
          name: it.name,
          load: async () => {
            const [va, vb] = await Promise.all([it.load(), b.load()])
            try { return await f(va, vb, it.name) } catch (e) { throw asStageFailed(stage, it.name, e) }
          },
        })
      }
      return { items, close }
    })
  }
