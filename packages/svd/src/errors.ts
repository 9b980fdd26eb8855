/** `a` and `b` have shapes that violate `rule` for operation `op`.
 *  @since 0.1.0  @category errors */
export class ShapeMismatch extends Error {
  readonly _tag = 'ShapeMismatch'
  constructor(readonly op: string, readonly rule: string, readonly a: readonly number[], readonly b: readonly number[]) {
    super(`${op}: ${rule} violated: [${a.join(', ')}] vs [${b.join(', ')}]; transpose() one operand or fix the rank`)
  }
}

/** An input holds NaN or ±Inf.
 *  @since 0.1.0  @category errors */
export class NotFinite extends Error {
  readonly _tag = 'NotFinite'
  constructor(readonly op: string, readonly input: string, readonly index: readonly [number, number], readonly value: number) {
    super(`${op}: input "${input}" has a non-finite value ${value} at [${index.join(', ')}]; clean the tensor or pass { checkFinite: false } if this is intended`)
  }
}

/** An iterative algorithm did not converge; never a silent wrong answer.
 *  @since 0.1.0  @category errors */
export class NoConvergence extends Error {
  readonly _tag = 'NoConvergence'
  constructor(readonly op: string, readonly iterations: number, detail: string) {
    super(`${op}: no convergence after ${iterations} iterations: ${detail}`)
  }
}

/** An argument is outside its valid domain (rank > min(m, n), a negative oversample, a non-SPD matrix, …).
 *  @since 0.1.0  @category errors */
export class InvalidArgument extends Error {
  readonly _tag = 'InvalidArgument'
  constructor(readonly op: string, readonly argument: string, detail: string) {
    super(`${op}: invalid "${argument}": ${detail}`)
  }
}

/** A matrix is not (numerically) positive definite where it must be (Cholesky).
 *  @since 0.1.0  @category errors */
export class NotPositiveDefinite extends Error {
  readonly _tag = 'NotPositiveDefinite'
  constructor(readonly op: string, readonly input: string, readonly pivot: number, readonly value: number) {
    super(`${op}: "${input}" is not positive definite: pivot ${pivot} is ${value}; use choleskyJitter() or add a ridge to the diagonal`)
  }
}

/** Every error @lr/svd throws.  @since 0.1.0  @category errors */
export type SvdError = ShapeMismatch | NotFinite | NoConvergence | InvalidArgument | NotPositiveDefinite
