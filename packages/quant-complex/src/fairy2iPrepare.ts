import { InvalidArgument } from '@lr/svd'
import type { Fairy2iPacked } from './fairy2iQuantize.js'
import { assertPacked } from './internal/assertPacked.js'
import { createSimdLayer, hasWasmSimd, type SimdLayer } from './internal/simdKernel.js'

/** Which CPU kernel a prepared layer runs. @since 0.1.0 @category apply */
export type Fairy2iKernel = 'wasm-simd' | 'js'

/** A packed layer made ready for repeated {@link fairy2iApply} calls: with the `wasm-simd` kernel its codes live in the
 *  layer's own WebAssembly memory (copied once). Holds no global state; drop it to free the memory.
 *  @since 0.1.0  @category apply */
export interface Fairy2iPrepared {
  readonly _tag: 'Fairy2iPrepared'
  readonly packed: Fairy2iPacked
  readonly kernel: Fairy2iKernel
  /** @internal the wasm instance and its memory layout (wasm-simd only). */
  readonly simd: SimdLayer | undefined
}

/** Options of {@link fairy2iPrepare}. @since 0.1.0 @category options */
export interface Fairy2iPrepareOptions {
  /** `auto`: WebAssembly SIMD when the runtime has it and in is a multiple of 32 (whole u32 words of codes per row), else
   *  the TypeScript kernel. `wasm-simd` fails with InvalidArgument when it cannot run (never a silent fallback). @default 'auto' */
  readonly kernel?: 'auto' | Fairy2iKernel
  /** Layer name used in error messages. @default 'layer' */
  readonly name?: string
}

/**
 * Prepares a packed Fairy2i layer for the fastest CPU apply: the WebAssembly SIMD kernel (the byte-pattern table of four
 * f32x4 sums, 16 codes per u32 word) when available, else the TypeScript kernel. Equal results up to f32 rounding.
 * @throws InvalidArgument when kernel 'wasm-simd' is requested but impossible; Fairy2iFormatError on inconsistent codes.
 * @example const layer = fairy2iPrepare(fairy2iQuantize(a)); const y = fairy2iApply(layer, x)
 * @since 0.1.0  @category apply
 */
export function fairy2iPrepare(p: Fairy2iPacked, opts: Fairy2iPrepareOptions = {}): Fairy2iPrepared {
  const name = opts.name ?? 'layer'
  assertPacked(p, 'fairy2iPrepare', name)
  const want = opts.kernel ?? 'auto'
  // Whole u32 words of real codes per row: 16 codes per word, so in/2 must be a multiple of 16 (padding codes in a
  // partial last word would be summed by the SIMD kernel as +1 codes).
  const fits = (p.cols / 2) % 16 === 0
  const simdOk = fits && hasWasmSimd()
  if (want === 'wasm-simd' && !simdOk) {
    throw new InvalidArgument('fairy2iPrepare', 'kernel', `${name}: wasm-simd needs ${fits ? 'WebAssembly SIMD in this runtime' : `in (${p.cols}) to be a multiple of 32`}; use kernel 'auto' or 'js'`)
  }
  const useSimd = want === 'wasm-simd' || (want === 'auto' && simdOk)
  return { _tag: 'Fairy2iPrepared', packed: p, kernel: useSimd ? 'wasm-simd' : 'js', simd: useSimd ? createSimdLayer(p) : undefined }
}
