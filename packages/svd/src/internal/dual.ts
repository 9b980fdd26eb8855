/** Data-last support (after fp-ts's `dual`, which fp-ts marks @internal): `f(a, opts)` or `pipe(a, f(opts))`. */
export const dual = <A, O, R>(body: (a: A, opts: O) => R, isDataFirst: (args: IArguments | readonly unknown[]) => boolean) =>
  function (this: unknown, ...args: [A, O] | [O]): R | ((a: A) => R) {
    if (isDataFirst(args)) return body(args[0] as A, args[1] as O)
    return (a: A) => body(a, args[0] as O)
  }
/** True when the first argument looks like a matrix (`{ data, shape }`). */
export const isMatArg = (args: IArguments | readonly unknown[]): boolean =>
  typeof args[0] === 'object' && args[0] !== null && 'data' in (args[0] as object) && 'shape' in (args[0] as object)
