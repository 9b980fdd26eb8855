export * from './mat.js'
export * from './errors.js'
export type { LinearOperator } from './linearOperator.js'
