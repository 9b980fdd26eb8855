import { makeStream, type TensorStream } from './stream.js'

/** The elements of several streams one after the other (opened together, closed together), e.g. a LoRA's
 *  modules followed by the tensors an adapter saves whole.
 *  @example pipe(concat(loraEntries, savedEntries), writeLoraAdapter('out'))
 *  @since 0.1.0  @category combinators */
export const concat = <A>(...streams: readonly TensorStream<A>[]): TensorStream<A> =>
  makeStream(async () => {
    const opened: { items: readonly { name: string; load: () => Promise<A> }[]; close: () => Promise<void> }[] = []
    const close = async (): Promise<void> => { await Promise.all(opened.map((o) => o.close())) }
    try { for (const s of streams) opened.push(await s.open()) } catch (e) { await close(); throw e }
    return { items: opened.flatMap((o) => o.items), close }
  })
