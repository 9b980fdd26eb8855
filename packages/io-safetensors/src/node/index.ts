// The Node edge of @lr/io-safetensors: files, directories, sharded checkpoints.
export { fileSource } from './fileSource.js'
export { openCheckpoint, INDEX_NAME } from './openCheckpoint.js'
export type { Checkpoint, CheckpointTensor } from './openCheckpoint.js'
export { writeSafetensors } from './writeSafetensors.js'
export type { WriteSafetensorsOptions, WriteResult, TensorSpec } from './writeSafetensors.js'
export { writeCheckpoint, planShards, shardName } from './writeCheckpoint.js'
export type { WriteCheckpointOptions } from './writeCheckpoint.js'
