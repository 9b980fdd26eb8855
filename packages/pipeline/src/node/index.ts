export * from './loadLlama.js'
export * from './readCheckpoint.js'
export * from './writeCheckpoint.js'
