import type { SvdError } from '@lr/svd'
import type { SafetensorsError } from '@lr/io-safetensors'
import type { GpuError } from '@lr/kernels-gpu'
import type { AdapterError } from '@lr/adapters'
import type { QuantError } from '@lr/quant'
import type { QuantComplexError } from '@lr/quant-complex'
import type { PipelineError } from './errors.js'
import { PipelineIoError } from './errors.js'

/** Every tagged error an lr pipeline can fail with: the union of each package's error union.
 *  Switch on `_tag` with an exhaustive `never` default.
 *  @since 0.1.0  @category errors */
export type LrError = SvdError | SafetensorsError | GpuError | AdapterError | QuantError | QuantComplexError | PipelineError

const TAGS = new Set(['ShapeMismatch', 'NotFinite', 'NoConvergence', 'InvalidArgument', 'NotPositiveDefinite',
  'UnsupportedModel', 'ModelTensorError', 'InvalidEvalData', 'StageFailed', 'PipelineIoError', 'SafetensorsError',
  'NoAdapter', 'DeviceFailed', 'LimitExceeded', 'FeatureMissing', 'GpuOperationFailed', 'AdapterConfigError', 'ModuleError',
  'AdapterFileError', 'MissingStatistics', 'OddDimension', 'Fairy2iFormatError'])

/** Narrows an unknown thrown value to an `LrError`: tagged lr errors pass through; a Node fs error
 *  becomes a `PipelineIoError` naming its path; anything else is rethrown (a bug, not a data error).
 *  @example TE.tryCatch(() => work(), toLrError)
 *  @since 0.1.0  @category errors */
export const toLrError = (e: unknown): LrError => {
  const tag = (e as { _tag?: unknown } | null)?._tag
  if (typeof tag === 'string' && TAGS.has(tag)) return e as LrError
  const code = (e as { code?: unknown } | null)?.code
  if (e instanceof Error && typeof code === 'string') {
    const path = (e as { path?: string }).path ?? '(unknown path)'
    const fix = code === 'ENOENT' ? '; check the path' : code === 'EACCES' ? '; check the permissions' : ''
    return new PipelineIoError(path, (e as { syscall?: string }).syscall ?? 'io', `${code}: ${e.message}${fix}`)
  }
  throw e
}
