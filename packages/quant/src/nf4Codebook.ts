/**
 * The 16 NF4 (4-bit NormalFloat) levels of bitsandbytes, ascending, exactly as hard-coded in bitsandbytes'
 * `csrc/kernels.cu` (`nf4_dequantization_lut`) and returned by `bitsandbytes.functional.get_4bit_type('nf4')`:
 * quantiles of N(0, 1) normalised to [−1, 1], with an exact 0 (index 7) and 8 positive levels.
 * Paper: QLoRA, arXiv:2305.14314.
 * @example const one = NF4_CODEBOOK[15] // 1
 * @since 0.1.0  @category quantization
 */
export const NF4_CODEBOOK: Float32Array = Float32Array.from([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
  -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
  0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
])
