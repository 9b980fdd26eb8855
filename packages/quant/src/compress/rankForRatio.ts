import { InvalidArgument } from '@lr/svd'

/**
 * The rank that removes at least `ratio` of a [rows, cols] linear layer's parameters when it is stored as
 * U [rows, r]·V [r, cols] (SVD-LLM's definition: rank r keeps r·(rows + cols) of rows·cols):
 * r = ⌊(1 − ratio)·rows·cols / (rows + cols)⌋. Paper: SVD-LLM, arXiv:2403.07378.
 * Throws InvalidArgument when ratio ∉ (0, 1) or when the rank would be 0.
 * @example const r = rankForRatio(256, 768, 0.4) // 115
 * @since 0.1.0  @category compression
 */
export function rankForRatio(rows: number, cols: number, ratio: number): number {
  if (!(ratio > 0 && ratio < 1)) throw new InvalidArgument('rankForRatio', 'ratio', `${ratio} is outside (0, 1): it is the fraction of parameters removed, e.g. 0.4`)
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new InvalidArgument('rankForRatio', 'shape', `[${rows}, ${cols}] must be positive integers`)
  const r = Math.floor(((1 - ratio) * rows * cols) / (rows + cols))
  if (r < 1) throw new InvalidArgument('rankForRatio', 'ratio', `${ratio} leaves rank 0 for a [${rows}, ${cols}] layer; use a smaller ratio`)
  return Math.min(r, rows, cols)
}
