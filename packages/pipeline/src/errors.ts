/** The model's config.json describes an architecture or option the evaluator does not implement.
 *  @since 0.1.0  @category errors */
export class UnsupportedModel extends Error {
  readonly _tag = 'UnsupportedModel'
  constructor(readonly file: string, readonly field: string, detail: string) {
    super(`${file}: ${field}: ${detail}`)
  }
}

/** A tensor the model needs is absent, or has the wrong shape.
 *  @since 0.1.0  @category errors */
export class ModelTensorError extends Error {
  readonly _tag = 'ModelTensorError'
  constructor(readonly file: string, readonly tensor: string, detail: string) {
    super(`${file}: tensor "${tensor}": ${detail}`)
  }
}

/** Evaluation bytes that cannot be split into rows, or hold a token outside the vocabulary.
 *  @since 0.1.0  @category errors */
export class InvalidEvalData extends Error {
  readonly _tag = 'InvalidEvalData'
  constructor(readonly source: string, detail: string) {
    super(`${source}: ${detail}`)
  }
}

/** A pipeline stage failed on one tensor; nothing was written to the destination.
 *  @since 0.1.0  @category errors */
export class StageFailed extends Error {
  readonly _tag = 'StageFailed'
  constructor(readonly stage: string, readonly tensor: string | undefined, readonly reason: string, override readonly cause?: unknown) {
    super(`stage "${stage}"${tensor !== undefined ? `, tensor "${tensor}"` : ''}: ${reason}`)
  }
}

/** A file-system operation of a pipeline source or sink failed (read, mkdir, rename).
 *  @since 0.1.0  @category errors */
export class PipelineIoError extends Error {
  readonly _tag = 'PipelineIoError'
  constructor(readonly path: string, readonly op: string, detail: string) {
    super(`${path}: ${op}: ${detail}`)
  }
}

/** Every error @lr/pipeline itself raises.  @since 0.1.0  @category errors */
export type PipelineError = UnsupportedModel | ModelTensorError | InvalidEvalData | StageFailed | PipelineIoError
