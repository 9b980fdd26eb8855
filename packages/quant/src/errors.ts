import type { InvalidArgument, NotFinite, NotPositiveDefinite, ShapeMismatch } from '@lr/svd'

/** A calibration (Σ x·xᵀ) or Fisher file lacks the statistics of a module, or holds them with the wrong shape.
 *  @since 0.1.0  @category errors */
export class MissingStatistics extends Error {
  readonly _tag = 'MissingStatistics'
  constructor(readonly file: string, readonly module: string, detail: string) {
    super(`${file}: module "${module}": ${detail}`)
  }
}

/** Every error @lr/quant throws (the shared tagged errors of @lr/svd, and MissingStatistics).  @since 0.1.0  @category errors */
export type QuantError = ShapeMismatch | NotFinite | InvalidArgument | NotPositiveDefinite | MissingStatistics
