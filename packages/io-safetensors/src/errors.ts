/** Every rule a safetensors file, a sharded index or a write can violate. Tests and callers switch on it.
 *  Header rules follow the reference Rust crate (`safetensors::tensor::SafeTensors::read_metadata` and
 *  `Metadata::validate`); docs/safetensors.md maps each one.
 *  @example const isCorrupt = (r: SafetensorsRule) => r !== 'not-found' && r !== 'io-error'
 *  @since 0.1.0  @category errors */
export type SafetensorsRule =
  | 'header-too-small'            // fewer than 8 bytes: no header length
  | 'header-too-large'            // header length > 100,000,000 bytes (the Rust crate's cap)
  | 'header-length-out-of-bounds' // 8 + header length > file size
  | 'header-not-utf8'             // header bytes are not valid UTF-8
  | 'header-invalid-start'        // header does not start with `{`
  | 'header-not-json'             // header is not valid JSON
  | 'duplicate-tensor'            // a tensor name appears twice (in a header or across shards)
  | 'metadata-invalid'            // `__metadata__` is not an object of string → string
  | 'tensor-entry-invalid'        // a tensor entry is not { dtype, shape, data_offsets } or has extra keys
  | 'unknown-dtype'               // dtype not one of the 15 supported
  | 'invalid-shape'               // shape is not an array of non-negative safe integers
  | 'invalid-offsets'             // data_offsets is not [begin, end] with 0 ≤ begin ≤ end safe integers
  | 'byte-length-mismatch'        // end − begin ≠ product(shape) × dtype size
  | 'offsets-gap'                 // a hole between two tensors' byte ranges
  | 'offsets-overlap'             // two tensors' byte ranges overlap
  | 'offsets-out-of-bounds'       // a tensor ends after the end of the file
  | 'data-incomplete'             // the tensors do not cover the data section up to the end of the file
  | 'index-invalid'               // model.safetensors.index.json is malformed
  | 'shard-mismatch'              // the index names a tensor that its shard does not hold, or vice versa
  | 'not-found'                   // no such file, directory, checkpoint or tensor
  | 'io-error'                    // the operating system failed a read, write, fsync or rename
  | 'invalid-tensor'              // a tensor to write: bad name, unknown dtype, data length ≠ shape × dtype
  | 'spec-mismatch'               // a streamed tensor differs from the spec announced in the header

/** A safetensors file, index or write broke `rule`. The message names the file, the tensor, the values and the fix.
 *  @example t.throws(() => E.getOrElseW((e) => { throw e })(parseHeader(bytes)), { _tag: 'SafetensorsError', rule: 'offsets-gap' })
 *  @since 0.1.0  @category errors */
export class SafetensorsError extends Error {
  readonly _tag = 'SafetensorsError'
  constructor(readonly rule: SafetensorsRule, readonly file: string, readonly tensor: string | undefined, detail: string) {
    super(`${file}${tensor !== undefined ? `: tensor "${tensor}"` : ''}: ${rule}: ${detail}`)
  }
}

/** Every error @lr/io-safetensors returns.  @example const tag = (e: IoError) => e._tag  @since 0.1.0  @category errors */
export type IoError = SafetensorsError
