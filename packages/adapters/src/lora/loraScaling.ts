import { InvalidArgument } from '@lr/svd'

/** The LoRA scaling factor of PEFT: `alpha / r`, or `alpha / √r` when `useRslora` (rsLoRA, arXiv:2312.03732).
 *  @example loraScaling({ rank: 16, alpha: 32 }) // 2
 *  @example loraScaling({ rank: 16, alpha: 32, useRslora: true }) // 8
 *  @since 0.1.0  @category scaling */
export const loraScaling = (opts: { readonly rank: number; readonly alpha?: number; readonly useRslora?: boolean }): number => {
  const { rank } = opts
  if (!Number.isInteger(rank) || rank <= 0) throw new InvalidArgument('loraScaling', 'rank', `must be a positive integer, got ${rank}`)
  const alpha = opts.alpha ?? rank
  if (!Number.isFinite(alpha)) throw new InvalidArgument('loraScaling', 'alpha', `must be finite, got ${alpha}`)
  return opts.useRslora === true ? alpha / Math.sqrt(rank) : alpha / rank
}
