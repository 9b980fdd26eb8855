// The Node edge of @lr/io-safetensors: files, directories, sharded checkpoints.
export { fileSource } from './fileSource.js'
export { openCheckpoint, INDEX_NAME } from './openCheckpoint.js'
export type { Checkpoint, CheckpointTensor } from './openCheckpoint.js'
