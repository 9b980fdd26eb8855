// Measures the figures of docs/fairy2i.md and writes docs/fairy2i-error.svg (not a benchmark: run by hand).
//   node tools/bench/fairy2i/figures.ts
// 1. Relative Frobenius error of the reconstructed real matrix for a 2048×2048 i.i.d. Gaussian matrix, T = 1…8.
// 2. Per-layer relative errors of the tinyllama base (examples/tinyllama-base, BF16 read as F32) for T = 1…4.
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import * as E from 'fp-ts/lib/Either.js'
import { openCheckpoint } from '@lr/io-safetensors/node'
import { fairy2iQuantize, fairy2iDequantize } from '@lr/quant-complex'

const root = fileURLToPath(new URL('../../../', import.meta.url))
const rel = (a: Float32Array, b: Float32Array): number => {
  let num = 0, den = 0
  for (let i = 0; i < a.length; i++) { num += (a[i]! - b[i]!) ** 2; den += a[i]! ** 2 }
  return Math.sqrt(num / den)
}
const gaussian = (len: number, seed: number): Float32Array => { // same generator as the package tests
  let s = (seed * 2654435761) >>> 0 || 1
  const rnd = (): number => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return (s + 0.5) / 4294967296 }
  const a = new Float32Array(len)
  for (let i = 0; i < len; i += 2) { const r = Math.sqrt(-2 * Math.log(rnd())), th = 2 * Math.PI * rnd(); a[i] = r * Math.cos(th); if (i + 1 < len) a[i + 1] = r * Math.sin(th) }
  return a
}

const n = 2048
const g = gaussian(n * n, 2026)
const curve: number[] = []
for (let t = 1; t <= 8; t++) curve.push(rel(g, fairy2iDequantize(fairy2iQuantize({ data: g, shape: [n, n], stride: [n, 1], offset: 0 }, { stages: t })).data))
console.log('Gaussian 2048x2048, T=1..8:', curve.map((e) => e.toFixed(4)).join(' '))

const ck = await openCheckpoint(`${root}examples/tinyllama-base`)()
if (E.isLeft(ck)) throw ck.left
const rows: string[] = []
const sums = [0, 0, 0, 0]
let count = 0
for (const info of ck.right.tensors) {
  if (info.shape.length !== 2 || info.name.includes('embed')) continue
  const a = await ck.right.readFloat32(info.name)()
  if (E.isLeft(a)) throw a.left
  const [r, c] = info.shape as [number, number]
  const errs = [1, 2, 3, 4].map((t) => rel(a.right, fairy2iDequantize(fairy2iQuantize({ data: a.right, shape: [r, c], stride: [c, 1], offset: 0 }, { stages: t })).data))
  errs.forEach((e, i) => (sums[i]! += e))
  count++
  rows.push(`| \`${info.name}\` | [${r}, ${c}] | ${errs.map((e) => e.toFixed(4)).join(' | ')} |`)
}
await ck.right.close()
console.log('\n| tensor | shape | T=1 | T=2 | T=3 | T=4 |\n|---|---|---|---|---|---|')
console.log(rows.join('\n'))
console.log(`| mean of ${count} | | ${sums.map((s) => (s / count).toFixed(4)).join(' | ')} |`)

// A small line chart: error vs T (log scale), measured points and the issue's reference values for T = 1…4.
const ref = [0.603, 0.361, 0.242, 0.182]
const W = 420, H = 260, L = 50, Rm = 15, Tp = 20, B = 40
const x = (t: number): number => L + ((t - 1) / 7) * (W - L - Rm)
const y = (e: number): number => Tp + ((Math.log10(0.8) - Math.log10(e)) / (Math.log10(0.8) - Math.log10(0.04))) * (H - Tp - B)
const ticks = [0.5, 0.2, 0.1, 0.05]
const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="white"/>
${ticks.map((v) => `<line x1="${L}" x2="${W - Rm}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/><text x="${L - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`).join('\n')}
${[1, 2, 3, 4, 5, 6, 7, 8].map((t) => `<text x="${x(t).toFixed(1)}" y="${H - B + 16}" text-anchor="middle">${t}</text>`).join('')}
<text x="${(L + W - Rm) / 2}" y="${H - 6}" text-anchor="middle">stages T (1 bit per real weight per stage)</text>
<text x="12" y="${(Tp + H - B) / 2}" transform="rotate(-90 12 ${(Tp + H - B) / 2})" text-anchor="middle">relative Frobenius error</text>
<polyline fill="none" stroke="#1f77b4" stroke-width="2" points="${curve.map((e, i) => `${x(i + 1).toFixed(1)},${y(e).toFixed(1)}`).join(' ')}"/>
${curve.map((e, i) => `<circle cx="${x(i + 1).toFixed(1)}" cy="${y(e).toFixed(1)}" r="3" fill="#1f77b4"><title>T=${i + 1}: ${e.toFixed(4)}</title></circle>`).join('')}
${ref.map((e, i) => `<rect x="${(x(i + 1) - 4).toFixed(1)}" y="${(y(e) - 4).toFixed(1)}" width="8" height="8" fill="none" stroke="#d62728"/>`).join('')}
<text x="${W - Rm - 4}" y="${Tp + 12}" text-anchor="end" fill="#1f77b4">measured, 2048×2048 Gaussian</text>
<text x="${W - Rm - 4}" y="${Tp + 26}" text-anchor="end" fill="#d62728">□ reference (issue 8), T = 1…4</text>
</svg>
`
writeFileSync(`${root}docs/fairy2i-error.svg`, svg)
console.log('\nwrote docs/fairy2i-error.svg')
