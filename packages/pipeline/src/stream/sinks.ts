import * as TE from 'fp-ts/lib/TaskEither.js'
import type { ProgressEvent } from '../progress.js'
import { toLrError, type LrError } from '../lrError.js'
import type { TensorStream } from './stream.js'

/** Options every sink takes.  @since 0.1.0  @category sinks */
export interface SinkOptions {
  /** Receives `{ stage: label, done, total, item }` after each element. */
  readonly onProgress?: (ev: ProgressEvent) => void
  /** Stage name of the progress events. @default the sink's name */
  readonly label?: string
}

/** Runs a stream: opens it, loads every element in order with progress, closes it (also on failure).
 *  `each` sees every loaded element. The one place streams are driven; every sink is built on it. */
export const drain = <A>(s: TensorStream<A>, label: string, opts: SinkOptions, each: (a: A, name: string) => void | Promise<void>): TE.TaskEither<LrError, number> =>
  TE.tryCatch(async () => {
    const o = await s.open()
    try {
      const total = o.items.length
      let done = 0
      for (const it of o.items) {
        await each(await it.load(), it.name)
        done++
        opts.onProgress?.({ stage: opts.label ?? label, done, total, item: it.name })
      }
      return total
    } finally { await o.close() }
  }, toLrError)

/** Loads every element into an array.
 *  @example const tensors = await pipe(readCheckpoint('model'), select('*.norm.weight'), collect())()
 *  @since 0.1.0  @category sinks */
export const collect = (opts: SinkOptions = {}) => <A>(s: TensorStream<A>): TE.TaskEither<LrError, A[]> => {
  const out: A[] = []
  return TE.map(() => out)(drain(s, 'collect', opts, (a) => { out.push(a) }))
}

/** A JSON-ready report: one row per element, `{ name, ...f(element) }`.  @since 0.1.0  @category sinks */
export interface Report<R> { readonly items: readonly ({ readonly name: string } & R)[] }

/** Summarizes each element with `f` (e.g. its shape and norm) into a JSON-ready report.
 *  @example const r = await pipe(readCheckpoint('model'), report((t) => ({ shape: t.shape })))()
 *  @since 0.1.0  @category sinks */
export const report = <A, R extends object>(f: (a: A, name: string) => R, opts: SinkOptions = {}) => (s: TensorStream<A>): TE.TaskEither<LrError, Report<R>> => {
  const items: ({ name: string } & R)[] = []
  return TE.map(() => ({ items }))(drain(s, 'report', opts, (a, name) => { items.push({ name, ...f(a, name) }) }))
}
