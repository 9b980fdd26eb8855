/** Code of a complex weight: value = iᶜ. */
export type PhaseCode = 0 | 1 | 2 | 3

/** The smallest scale (the official code's `torch.clamp(s, min=1e-6)`), as f32. @since 0.1.0 @category constants */
export const MIN_SCALE = Math.fround(1e-6)

/** Angle bin of re + i·im, decided by exact comparisons (equal to the bins of θ = atan2(im, re) in exact arithmetic):
 *  [−π/4, π/4) → 0 (+1), [π/4, 3π/4) → 1 (+i), [−3π/4, −π/4) → 3 (−i), otherwise 2 (−1); 0 → 0. */
export const phaseCode = (re: number, im: number): PhaseCode => {
  if (im < re) return im >= -re ? 0 : 3            // right half-plane sectors: θ ∈ [−π/4, π/4) or [−3π/4, −π/4) (im < −re, im < re)
  if (im > -re) return 1                           // im ≥ re and im > −re: θ ∈ [π/4, 3π/4)
  if (re === 0 && im === 0) return 0               // the origin → +1
  return im === re ? 3 : 2                         // im = re < 0 is θ = −3π/4 → −i; the rest is −1
}

/** Unchecked kernel: writes the codes, returns the f32 scales. */
export const phaseQuantizeKernel = (re: Float32Array, im: Float32Array, codes: Uint8Array): { scaleRe: number; scaleIm: number } => {
  let sumRe = 0, nRe = 0, sumIm = 0, nIm = 0
  for (let k = 0; k < re.length; k++) {
    const r = re[k]!, i = im[k]!
    const c = phaseCode(r, i)
    codes[k] = c
    if ((c & 1) === 0) { sumRe += Math.abs(r); nRe++ } else { sumIm += Math.abs(i); nIm++ }
  }
  const scaleRe = Math.max(Math.fround(nRe > 0 ? sumRe / nRe : 0), MIN_SCALE)
  const scaleIm = Math.max(Math.fround(nIm > 0 ? sumIm / nIm : 0), MIN_SCALE)
  return { scaleRe, scaleIm }
}
