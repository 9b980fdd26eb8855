/** Positional random access to the bytes of one file: a Uint8Array, a Blob (browser File), or a file handle (Node).
 *  `read` must resolve to exactly `length` bytes.  @since 0.1.0  @category sources */
export interface ByteSource {
  readonly size: number
  read(offset: number, length: number): Promise<Uint8Array>
  /** Optional: reads `target.length` bytes at `offset` into `target` (no allocation); resolves to the filled part. */
  readInto?(offset: number, target: Uint8Array): Promise<Uint8Array>
  close?(): Promise<void>
}

/** A ByteSource over bytes in memory; reads are zero-copy subarrays.
 *  @example const src = bytesSource(new Uint8Array(await (await fetch(url)).arrayBuffer()))
 *  @since 0.1.0  @category sources */
export const bytesSource = (bytes: Uint8Array): ByteSource => ({
  size: bytes.length,
  read: (offset, length) => Promise.resolve(bytes.subarray(offset, offset + length)),
})

/** A ByteSource over a Blob or a browser `File`: each read slices the blob, so only the bytes asked for are loaded.
 *  @example const src = blobSource(input.files[0])
 *  @since 0.1.0  @category sources */
export const blobSource = (blob: Blob): ByteSource => ({
  size: blob.size,
  read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
})
