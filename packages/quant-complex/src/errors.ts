import type { NotFinite, InvalidArgument, ShapeMismatch } from '@lr/svd'

/** A real layer whose `out` or `in` is odd has no widely-linear (complex) form.
 *  @since 0.1.0  @category errors */
export class OddDimension extends Error {
  readonly _tag = 'OddDimension'
  constructor(readonly op: string, readonly tensor: string, readonly shape: readonly number[]) {
    super(`${op}: tensor "${tensor}" has shape [${shape.join(', ')}]; the widely-linear form needs even out and in dimensions; skip this tensor (lr quantize fairy2i lists and skips it)`)
  }
}

/** The closed set of rules a Fairy2i packed checkpoint can break. @since 0.1.0 @category errors */
export type Fairy2iFormatRule = 'missing-tensor' | 'wrong-dtype' | 'wrong-shape' | 'bad-scale' | 'bad-metadata'

/** A packed Fairy2i checkpoint is malformed (a tensor is missing, has the wrong dtype or shape, a scale is not finite).
 *  @since 0.1.0  @category errors */
export class Fairy2iFormatError extends Error {
  readonly _tag = 'Fairy2iFormatError'
  constructor(readonly rule: Fairy2iFormatRule, readonly tensor: string, detail: string) {
    super(`fairy2i-packed-v1: tensor "${tensor}": ${rule}: ${detail}; re-export it with lr quantize fairy2i`)
  }
}

/** Every error @lr/quant-complex throws. @since 0.1.0 @category errors */
export type QuantComplexError = OddDimension | Fairy2iFormatError | NotFinite | InvalidArgument | ShapeMismatch
