export * from './loadLlama.js'
