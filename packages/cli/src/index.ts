export { buildProgram } from './program.js'
export { parseByteSize, UsageError } from './runtime.js'
