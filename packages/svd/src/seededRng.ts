import { InvalidArgument } from './errors.js'

/** A source of random numbers. Every random choice in @lr/svd comes from one of these, never from
 *  `Math.random`, so the same seed gives the same bits.
 *  @since 0.1.0  @category random */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number
  /** Standard normal N(0, 1) (Box–Muller, polar-free form). */
  normal(): number
}

const splitmix32 = (x: number): [number, number] => {
  x = (x + 0x9e3779b9) | 0
  let z = x
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  return [x, (z ^ (z >>> 16)) >>> 0]
}

/**
 * A deterministic generator: xoshiro128** (Blackman & Vigna) seeded through splitmix32.
 * The returned object carries its own state (it advances on each call); nothing is global.
 * @example
 * const rng = seededRng(42)
 * const x = rng.normal()   // identical on every machine for seed 42
 * @since 0.1.0  @category random
 */
export const seededRng = (seed: number): Rng => {
  if (!Number.isInteger(seed)) throw new InvalidArgument('seededRng', 'seed', `must be an integer, got ${seed}`)
  let st = (seed % 4294967296) | 0
  const s = new Uint32Array(4)
  for (let i = 0; i < 4; i++) { const [n, z] = splitmix32(st); st = n; s[i] = z }
  if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1
  const next = (): number => {
    const r = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0
    const t = s[1]! << 9
    s[2] = s[2]! ^ s[0]!; s[3] = s[3]! ^ s[1]!; s[1] = s[1]! ^ s[2]!; s[0] = s[0]! ^ s[3]!
    s[2] = s[2]! ^ t
    s[3] = rotl(s[3]!, 11)
    return r
  }
  let spare = NaN
  const uniform = (): number => ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992
  return {
    uniform,
    normal: () => {
      if (spare === spare) { const z = spare; spare = NaN; return z }
      let u = uniform()
      while (u === 0) u = uniform()
      const v = uniform()
      const r = Math.sqrt(-2 * Math.log(u)), th = 2 * Math.PI * v
      spare = r * Math.sin(th)
      return r * Math.cos(th)
    },
  }
}

const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0
