export * from './errors.js'
export * from './lrError.js'
export type { ProgressEvent } from './progress.js'
// evaluation
export * from './eval/config.js'
export * from './eval/linear.js'
export * from './eval/llama.js'
export * from './eval/evaluateLoss.js'
export * from './eval/withPeftLora.js'
// streams
export * from './stream/stream.js'
export * from './stream/select.js'
export * from './stream/mapTensor.js'
export * from './stream/zipWith.js'
export * from './stream/groupByModule.js'
export * from './stream/sinks.js'
export * from './stream/fromSafetensorsBytes.js'
export { firstNonFinite } from './stream/firstNonFinite.js'
// spectra
export * from './spectrum/layerSpectrum.js'
export * from './spectrum/renderSpectraSvg.js'
// stages
export * from './stream/lowRankLora.js'
