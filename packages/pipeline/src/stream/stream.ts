/** One element of a stream: its name is known before its value is read or computed.
 *  @since 0.1.0  @category stream */
export interface Lazy<A> {
  readonly name: string
  readonly load: () => Promise<A>
}

/** An opened stream: its elements, in order (nothing read yet), and the release of its files.
 *  @since 0.1.0  @category stream */
export interface Opened<A> {
  readonly items: readonly Lazy<A>[]
  readonly close: () => Promise<void>
}

/** A stream of named values (tensors by default): a recipe, nothing is opened until a sink runs it, and the
 *  sink closes every file it opened, on success and on failure. Also an `AsyncIterable` of loaded values.
 *  @example for await (const t of readCheckpoint('examples/tinyllama-base')) console.log(t.name)
 *  @since 0.1.0  @category stream */
export interface TensorStream<A> extends AsyncIterable<A> {
  readonly open: () => Promise<Opened<A>>
}

/** A `TensorStream` from an `open` function (adds the async iterator, which closes in `finally`).
 *  @example const s = makeStream(async () => ({ items: [], close: async () => {} }))
 *  @since 0.1.0  @category stream */
export const makeStream = <A>(open: () => Promise<Opened<A>>): TensorStream<A> => ({
  open,
  async *[Symbol.asyncIterator]() {
    const o = await open()
    try { for (const it of o.items) yield await it.load() } finally { await o.close() }
  },
})

/** A stream of values already in memory (named by `name`).
 *  @example const s = fromTensors([{ name: 'w', dtype: 'F32', shape: [1], data: new Float32Array([1]) }])
 *  @since 0.1.0  @category sources */
export const fromTensors = <A extends { readonly name: string }>(values: Iterable<A>): TensorStream<A> => {
  const list = [...values]
  return makeStream(async () => ({ items: list.map((v) => ({ name: v.name, load: async () => v })), close: async () => {} }))
}
