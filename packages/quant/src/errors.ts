import type { InvalidArgument, NotFinite, NotPositiveDefinite, ShapeMismatch } from '@lr/svd'

/** Every error @lr/quant throws (the shared tagged errors of @lr/svd).  @since 0.1.0  @category errors */
export type QuantError = ShapeMismatch | NotFinite | InvalidArgument | NotPositiveDefinite
