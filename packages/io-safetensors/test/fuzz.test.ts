// Fuzz: ≥ 10,000 seeded mutations and truncations of real safetensors files. Each variant must end in a
// SafetensorsError or a valid parse whose tensors all read and decode — no other exception, no hang — and no read
// (hence no allocation) may reach past the end of the file: the header length is capped and checked against the file
// size, and every offset against the data section, before anything is read.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import * as E from 'fp-ts/lib/Either.js'
import { openSafetensors, readSafetensors, SafetensorsError, toFloat32, type ByteSource } from '../src/index.js'
import { FIXTURES } from './helpers.js'

const VARIANTS = 10_000
const SEED = 42
const MAX_MS_PER_VARIANT = 1000

const seeds = [
  join(FIXTURES, 'safetensors/dtype_zoo.safetensors'),
  join(FIXTURES, 'tinyllama-bytes/olora_r8/adapter_model.safetensors'),
  join(FIXTURES, 'tinyllama-bytes/tuned_sharded/model-00008-of-00008.safetensors'),
].map((p) => new Uint8Array(readFileSync(p)))

/** mulberry32: a small seeded PRNG, so each failing variant can be replayed from (SEED, i). */
const prng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let x = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
  return ((x ^ (x >>> 14)) >>> 0) / 4294967296
}

const headerLen = (b: Uint8Array) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true))
const enc = new TextEncoder()
const dec = new TextDecoder()
const INTERESTING_NUMBERS = ['0', '-1', '1', '4294967296', '9007199254740993', '1e308', '1.5', '"7"', 'null', '[]', '-0', '18446744073709551615']
const INTERESTING_BYTES = [0x00, 0xff, 0x7b, 0x7d, 0x22, 0x5b, 0x5d, 0x2c, 0x3a, 0x5c, 0x30, 0x39, 0x80, 0xc0]

/** Rebuilds a file around a new header text (keeping the data section), with the length prefix updated. */
const withHeader = (b: Uint8Array, text: string): Uint8Array => {
  const n = headerLen(b)
  const h = enc.encode(text)
  const out = new Uint8Array(8 + h.length + (b.length - 8 - n))
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true)
  out.set(h, 8)
  out.set(b.subarray(8 + n), 8 + h.length)
  return out
}

const mutate = (src: Uint8Array, rnd: () => number): { bytes: Uint8Array; how: string } => {
  const int = (n: number) => Math.floor(rnd() * n)
  const n = headerLen(src)
  const kind = int(8)
  const b = src.slice()
  switch (kind) {
    case 0: { const cut = rnd() < 0.7 ? int(8 + n + 16) : int(b.length); return { bytes: b.subarray(0, cut), how: `truncate@${cut}` } }
    case 1: { for (let k = 1 + int(4); k > 0; k--) { const i = int(8 + n); b[i]! ^= 1 << int(8) } return { bytes: b, how: 'bitflip-header' } }
    case 2: { for (let k = 1 + int(3); k > 0; k--) b[int(8 + n)] = INTERESTING_BYTES[int(INTERESTING_BYTES.length)]!; return { bytes: b, how: 'bytes-header' } }
    case 3: {
      const v = [0n, 1n, BigInt(n - 1), BigInt(n + 1), BigInt(b.length), 100_000_001n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(2 ** 31))][int(9)]!
      new DataView(b.buffer).setBigUint64(0, v, true)
      return { bytes: b, how: `length=${v}` }
    }
    case 4: { // replace one number or string in the JSON header
      const text = dec.decode(b.subarray(8, 8 + n))
      const tokens = [...text.matchAll(/-?\d+|"[A-Z0-9_]+"/g)]
      if (tokens.length === 0) return { bytes: b, how: 'noop' }
      const tok = tokens[int(tokens.length)]!
      const repl = rnd() < 0.5 ? INTERESTING_NUMBERS[int(INTERESTING_NUMBERS.length)]! : tok[0].startsWith('"') ? ['"F4"', '"BF16"', '"U8"', '"__metadata__"', '""'][int(5)]! : String(Number(tok[0]) + int(9) - 4)
      return { bytes: withHeader(b, text.slice(0, tok.index) + repl + text.slice(tok.index! + tok[0].length)), how: `token ${tok[0]}→${repl}` }
    }
    case 5: { // duplicate, drop or reorder a tensor entry
      const text = dec.decode(b.subarray(8, 8 + n)).trimEnd()
      const obj = JSON.parse(text) as Record<string, unknown>
      const keys = Object.keys(obj)
      const k = keys[int(keys.length)]!
      const op = int(3)
      if (op === 0) return { bytes: withHeader(b, text.slice(0, -1) + `,${JSON.stringify(k)}:${JSON.stringify(obj[k])}}`), how: `dup ${k}` }
      if (op === 1) { delete obj[k]; return { bytes: withHeader(b, JSON.stringify(obj)), how: `drop ${k}` } }
      return { bytes: withHeader(b, JSON.stringify(Object.fromEntries(keys.reverse().map((x) => [x, obj[x]])))), how: 'reorder' }
    }
    case 6: { for (let k = 1 + int(8); k > 0; k--) b[8 + n + int(Math.max(1, b.length - 8 - n))] = int(256); return { bytes: b, how: 'data-bytes' } }
    default: { const extra = 1 + int(64); const out = new Uint8Array(b.length + extra); out.set(b); return { bytes: out, how: `append ${extra}` } }
  }
}

/** A memory source that fails the test if asked for anything outside the file. */
const guardedSource = (bytes: Uint8Array, violations: string[]): ByteSource => ({
  size: bytes.length,
  read: (offset, length) => {
    if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length)) violations.push(`read(${offset}, ${length}) of a ${bytes.length}-byte file`)
    return Promise.resolve(bytes.slice(offset, Math.min(bytes.length, offset + length)))
  },
})

t.test(`${VARIANTS} mutated/truncated real files: SafetensorsError or a valid parse, reads within the file`, async (t) => {
  const rnd = prng(SEED)
  const outcomes = new Map<string, number>()
  const failures: string[] = []
  let slowest = 0
  const t0 = performance.now()
  for (let i = 0; i < VARIANTS; i++) {
    const src = seeds[i % seeds.length]!
    const { bytes, how } = mutate(src, rnd)
    const where = `variant ${i} (seed ${SEED}, ${how})`
    const v0 = performance.now()
    // synchronous core: anything but a SafetensorsError propagates and fails here
    let sync: string
    try {
      const r = readSafetensors(bytes, { file: 'fuzz' })
      if (E.isLeft(r)) sync = r.left.rule
      else { for (const x of r.right.tensors) toFloat32(x); sync = 'valid' }
    } catch (e) { failures.push(`${where}: sync threw ${String(e)}`); continue }
    // streaming reader over a guarded positional source
    const violations: string[] = []
    const r = await openSafetensors(guardedSource(bytes, violations), { file: 'fuzz' })()
    let streamed: string
    if (E.isLeft(r)) streamed = r.left.rule
    else {
      streamed = 'valid'
      for (const info of r.right.tensors) {
        const x = await r.right.readFloat32(info.name)()
        if (E.isLeft(x)) { streamed = `read failed: ${x.left.message}`; break }
      }
    }
    if (E.isLeft(r) && !(r.left instanceof SafetensorsError)) failures.push(`${where}: not a SafetensorsError`)
    if (streamed === 'io-error' || streamed.startsWith('read failed')) failures.push(`${where}: unexpected ${streamed} (a wrapped exception?)`)
    if (streamed !== sync) failures.push(`${where}: sync says ${sync}, streaming says ${streamed}`)
    if (violations.length) failures.push(`${where}: ${violations.join('; ')}`)
    slowest = Math.max(slowest, performance.now() - v0)
    outcomes.set(sync, (outcomes.get(sync) ?? 0) + 1)
  }
  const ms = performance.now() - t0
  t.same(failures.slice(0, 10), [], `no failures (of ${failures.length})`)
  t.ok(slowest < MAX_MS_PER_VARIANT, `slowest variant ${slowest.toFixed(1)} ms`)
  t.ok((outcomes.get('valid') ?? 0) > 100, 'some variants are still valid files and read completely')
  t.ok(outcomes.size >= 12, `outcomes reached: ${[...outcomes].map(([k, v]) => `${k} ${v}`).join(', ')}`)
  t.comment(`${VARIANTS} variants in ${(ms / 1000).toFixed(1)} s: ${[...outcomes].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`)
})
