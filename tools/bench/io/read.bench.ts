// Reads a generated ≥ 1 GB safetensors file tensor by tensor (openCheckpoint + readTensor: one positional read per
// tensor into a fresh buffer) and compares with plain fs reads of the same file and numpy.fromfile, in the same run;
// then BF16 → F32 decode throughput (decodeBf16) against numpy's widen-shift-view. Median of RUNS after a warm-up.
// The file is written to os.tmpdir() and deleted at the end. The page cache is warm for every reader alike (the
// file was just written): this measures the reader's overhead over the OS, not the disk.
//   node tools/bench/io/read.bench.ts            (LR_BENCH_QUICK=1: a 256 MB file)
import { open, readFile, rm, stat } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeBf16, type NamedTensor } from '@lr/io-safetensors'
import { openCheckpoint, writeSafetensors } from '@lr/io-safetensors/node'
import { numpyTimesCpu } from '../numpyRef.ts'

const QUICK = process.env['LR_BENCH_QUICK'] === '1'
const ROWS = 4096
const COLS = 4096
const BF16_TENSORS = QUICK ? 6 : 28 // 32 MiB each
const F32_TENSORS = QUICK ? 1 : 4   // 64 MiB each
const RUNS = QUICK ? 3 : 5
const path = join(tmpdir(), `lr-read-bench-${process.pid}.safetensors`)

const fill = (u32: Uint32Array, seed: number): void => {
  let x = seed >>> 0 || 1
  for (let i = 0; i < u32.length; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; u32[i] = x & 0x7f7f7f7f } // finite bf16/f32 patterns
}
function* tensors(): Generator<NamedTensor> {
  for (let i = 0; i < BF16_TENSORS; i++) {
    const data = new Uint16Array(ROWS * COLS)
    fill(new Uint32Array(data.buffer), i + 1)
    yield { name: `layers.${i}.weight`, dtype: 'BF16', shape: [ROWS, COLS], data }
  }
  for (let i = 0; i < F32_TENSORS; i++) {
    const data = new Float32Array(ROWS * COLS)
    fill(new Uint32Array(data.buffer), 1000 + i)
    yield { name: `f32.${i}.weight`, dtype: 'F32', shape: [ROWS, COLS], data }
  }
}
const specs = [
  ...Array.from({ length: BF16_TENSORS }, (_, i) => ({ name: `layers.${i}.weight`, dtype: 'BF16' as const, shape: [ROWS, COLS] })),
  ...Array.from({ length: F32_TENSORS }, (_, i) => ({ name: `f32.${i}.weight`, dtype: 'F32' as const, shape: [ROWS, COLS] })),
]

interface Timing { readonly wall: number; readonly cpu: number }
/** Median wall ms and median process CPU ms (user + system, all threads) of `runs` calls after a warm-up. CPU time is
 *  what a core spends; on a loaded shared machine it is the steadier of the two. */
const median = async (fn: () => Promise<unknown> | unknown, runs: number): Promise<Timing> => {
  await fn()
  const ws: number[] = []
  const cs: number[] = []
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    await fn()
    ws.push(performance.now() - t0)
    const c = process.cpuUsage(c0)
    cs.push((c.user + c.system) / 1e3)
  }
  ws.sort((x, y) => x - y)
  cs.sort((x, y) => x - y)
  return { wall: ws[Math.floor(runs / 2)]!, cpu: cs[Math.floor(runs / 2)]! }
}

try {
  const w = await writeSafetensors(path, tensors(), { specs, metadata: { format: 'pt' } })()
  if (w._tag === 'Left') throw w.left
  const size = (await stat(path)).size
  const mb = size / 1e6

  const lrRead = await median(async () => {
    const ck = await openCheckpoint(path)()
    if (ck._tag === 'Left') throw ck.left
    let bytes = 0
    for (const t of ck.right.tensors) {
      const r = await ck.right.readTensor(t.name)()
      if (r._tag === 'Left') throw r.left
      bytes += r.right.data.byteLength
    }
    await ck.right.close()
    return bytes
  }, RUNS)
  const lrReadInto = await median(async () => {
    const ck = await openCheckpoint(path)()
    if (ck._tag === 'Left') throw ck.left
    const into = new Uint8Array(Math.max(...ck.right.tensors.map((t) => t.byteLength)))
    for (const t of ck.right.tensors) {
      const r = await ck.right.readTensor(t.name, { into })()
      if (r._tag === 'Left') throw r.left
    }
    await ck.right.close()
  }, RUNS)
  const fsReadFile = await median(() => readFile(path), RUNS)
  const CHUNK = 64 << 20
  const fsChunked = await median(async () => {
    const fh = await open(path, 'r')
    const buf = Buffer.allocUnsafeSlow(CHUNK)
    let pos = 0
    for (;;) { const { bytesRead } = await fh.read(buf, 0, CHUNK, pos); if (bytesRead === 0) break; pos += bytesRead }
    await fh.close()
  }, RUNS)

  const N = ROWS * COLS
  const bits = new Uint16Array(N)
  fill(new Uint32Array(bits.buffer), 7)
  const out = new Float32Array(N)
  for (let k = 0; k < 20; k++) decodeBf16(bits.subarray(0, 1 << 16), out.subarray(0, 1 << 16)) // let the JIT optimize first
  const decodeMs = await median(() => decodeBf16(bits, out), 9)
  const decodeAllocMs = await median(() => decodeBf16(bits), 9)
  // the same loop on a block that stays in cache (256 Ki values: 512 KB in, 1 MB out), 64 blocks per timing
  const SMALL = 1 << 18
  const smallBits = bits.subarray(0, SMALL)
  const smallOut = new Float32Array(SMALL)
  const decodeCacheMs = await median(() => { for (let k = 0; k < 64; k++) decodeBf16(smallBits, smallOut) }, 9)
  const [npFromfile, npDecode] = numpyTimesCpu([{ op: 'fromfile', n: size, path, runs: RUNS }, { op: 'bf16_decode', n: N, runs: 9 }]).map((x) => ({ wall: x.ms, cpu: x.cpuMs }))

  const cell = (c: string | number, i: number) => (typeof c === 'number' ? c.toFixed(c >= 100 ? 0 : 2) : c).padStart(i === 0 ? 36 : 11)
  const row = (cols: (string | number)[]) => console.log(cols.map(cell).join(' '))
  console.log(`file: ${mb.toFixed(0)} MB, ${specs.length} tensors (${BF16_TENSORS} BF16 + ${F32_TENSORS} F32, [${ROWS}, ${COLS}]), page cache warm, median of ${RUNS}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`)
  row(['read', 'wall ms', 'MB/s', 'ratio', 'cpu ms', 'MB/cpu-s', 'ratio'])
  const base = fsChunked
  const readRow = (name: string, x: Timing) => row([name, x.wall, mb / (x.wall / 1e3), base.wall / x.wall, x.cpu, mb / (x.cpu / 1e3), base.cpu / x.cpu])
  readRow('fs: FileHandle.read 64 MiB chunks', fsChunked)
  readRow('fs: readFile (whole file)', fsReadFile)
  readRow('numpy: fromfile', npFromfile!)
  readRow('lr: openCheckpoint + readTensor', lrRead)
  readRow('lr: readTensor(name, { into })', lrReadInto)
  console.log(`\nBF16 → F32 decode, ${N.toLocaleString('en-US')} values (${(2 * N / 1e6).toFixed(0)} MB in), one thread, median of 9`)
  row(['decode', 'wall ms', 'GB/s in', 'Gvalues/s', 'cpu ms', 'GB/cpu-s in', ''])
  const decRow = (name: string, x: Timing) => row([name, x.wall, (2 * N) / x.wall / 1e6, N / x.wall / 1e6, x.cpu, (2 * N) / x.cpu / 1e6, ''])
  decRow('lr: decodeBf16(bits, out)', decodeMs)
  decRow('lr: decodeBf16(bits) (allocates)', decodeAllocMs)
  decRow('lr: decodeBf16, in cache (64 × 256 Ki)', decodeCacheMs)
  decRow('numpy: (u16.astype(u32) << 16).view', npDecode!)
  console.log(`\nratios (wall / cpu): lr read vs fs chunked read ${(fsChunked.wall / lrRead.wall).toFixed(2)} / ${(fsChunked.cpu / lrRead.cpu).toFixed(2)}, with { into } ${(fsChunked.wall / lrReadInto.wall).toFixed(2)} / ${(fsChunked.cpu / lrReadInto.cpu).toFixed(2)}, lr read vs readFile ${(fsReadFile.wall / lrRead.wall).toFixed(2)} / ${(fsReadFile.cpu / lrRead.cpu).toFixed(2)} (goal ≥ 0.9); lr decode vs numpy ${(npDecode!.wall / decodeMs.wall).toFixed(2)} / ${(npDecode!.cpu / decodeMs.cpu).toFixed(2)}`)
} finally {
  await rm(path, { force: true })
}
