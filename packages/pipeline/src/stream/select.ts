import picomatch from 'picomatch'
import { makeStream, type TensorStream } from './stream.js'

/** Which names `select` keeps: a glob (picomatch; `*` matches dots, e.g. `"model.layers.*.mlp.*.weight"`,
 *  or `"**.q_proj.weight"`), a RegExp tested against the whole name, or a predicate.
 *  @since 0.1.0  @category combinators */
export type NamePattern = string | RegExp | ((name: string) => boolean)

/** A predicate from a `NamePattern`. */
export const nameMatcher = (pattern: NamePattern): ((name: string) => boolean) => {
  if (typeof pattern === 'function') return pattern
  if (pattern instanceof RegExp) return (n) => { pattern.lastIndex = 0; return pattern.test(n) }
  // Tensor names use dots, not slashes: match with '.' as the path separator-free alphabet.
  const m = picomatch(pattern, { dot: true })
  return (n) => m(n)
}

/** Keeps the elements whose name matches `pattern`; the others are never read.
 *  @example pipe(readCheckpoint('model'), select(/proj\.weight$/), writeCheckpoint('out'))
 *  @since 0.1.0  @category combinators */
export const select = (pattern: NamePattern) => <A>(s: TensorStream<A>): TensorStream<A> => {
  const keep = nameMatcher(pattern)
  return makeStream(async () => {
    const o = await s.open()
    return { items: o.items.filter((it) => keep(it.name)), close: o.close }
  })
}
