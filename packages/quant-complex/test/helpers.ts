// Shared helpers of the quant-complex tests (not a test file: tap includes only *.test.ts).
import fc from 'fast-check'
import type { Mat } from '@lr/svd'

/** f32 unit roundoff. */
export const EPS32 = 2 ** -24

/** Deterministic xorshift32 uniform in (0, 1) and Box–Muller normals (f32 data). */
export const gaussian = (len: number, seed: number): Float32Array => {
  let s = (seed * 2654435761) >>> 0 || 1
  const rnd = (): number => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296 }
  const a = new Float32Array(len)
  for (let i = 0; i < len; i += 2) {
    const r = Math.sqrt(-2 * Math.log(rnd())), th = 2 * Math.PI * rnd()
    a[i] = r * Math.cos(th)
    if (i + 1 < len) a[i + 1] = r * Math.sin(th)
  }
  return a
}

export const rowMajor = (data: Float32Array, rows: number, cols: number): Mat<Float32Array> =>
  ({ data, shape: [rows, cols], stride: [cols, 1], offset: 0 })

/** ‖a − b‖_F / ‖a‖_F in f64. */
export const relFrobenius = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let num = 0, den = 0
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += a[i]! ** 2 }
  return Math.sqrt(num / den)
}

/** y = A·x in f64 for a row-major A. */
export const matvec64 = (a: ArrayLike<number>, rows: number, cols: number, x: ArrayLike<number>): Float64Array => {
  const y = new Float64Array(rows)
  for (let i = 0; i < rows; i++) { let s = 0; for (let k = 0; k < cols; k++) s += a[i * cols + k]! * x[k]!; y[i] = s }
  return y
}

/** Checks a fast-check property with seed 42 as one tap assertion (the counterexample and seed printed on failure). */
export const holds = (t: { notOk: (v: unknown, msg: string) => void }, prop: fc.IProperty<never> | fc.IProperty<any>): void => {
  const r = fc.check(prop, { seed: 42 })
  t.notOk(r.failed, r.failed ? `counterexample ${JSON.stringify(r.counterexample)} (seed ${r.seed}, path ${r.counterexamplePath})` : 'property holds (fast-check seed 42)')
}
