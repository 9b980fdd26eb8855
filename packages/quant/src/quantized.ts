/**
 * A weight [rows, cols] in group-wise int-k: groups of `groupSize` consecutive columns of one row
 * (the last group of a row may be shorter) share a scale s and an integer zero point z; element value
 * x̂ = (q − z)·s, q ∈ [0, 2^k). `codes` holds the rows·cols codes in row-major order, packed
 * `lsb-first` with no padding between rows. scales/zeros: [rows · ⌈cols/groupSize⌉], row-major.
 * @since 0.1.0  @category quantization
 */
export interface IntKQuantized {
  readonly format: 'int'
  readonly bits: number
  readonly groupSize: number
  readonly isSymmetric: boolean
  readonly shape: readonly [rows: number, cols: number]
  readonly codes: Uint8Array
  readonly scales: Float32Array
  readonly zeros: Uint8Array
}

/**
 * A weight [rows, cols] in bitsandbytes NF4: the row-major flattened tensor is cut into blocks of
 * `blockSize` elements, each with an f32 absmax; element value x̂ = NF4_CODEBOOK[q]·absmax. `codes`
 * packs two 4-bit indices per byte, the first element in the high nibble (bitsandbytes' layout).
 * @since 0.1.0  @category quantization
 */
export interface Nf4Quantized {
  readonly format: 'nf4'
  readonly blockSize: number
  readonly shape: readonly [rows: number, cols: number]
  readonly codes: Uint8Array
  readonly absmax: Float32Array
}

/** Any quantized weight of this package.  @since 0.1.0  @category quantization */
export type Quantized = IntKQuantized | Nf4Quantized
