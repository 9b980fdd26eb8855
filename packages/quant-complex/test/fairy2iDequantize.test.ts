import t from 'tap'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { fairy2iQuantize, fairy2iDequantize } from '../src/index.js'
import { rowMajor } from './helpers.js'

// test/ref/fairy2i_ref.json: a float32 numpy port of the official code (tools/fixtures/fairy2i_reference.py).
// Both sides compute the same f32 operations in the same order with f64 means, so codes and scales agree exactly and the
// dequantized matrices agree bit for bit; one ulp of slack per entry (ULP_SLACK) covers a different f32 sum order.
const ULP_SLACK = 2 ** -23
interface RefCase { name: string; shape: [number, number]; a: number[]; stages: { T: number; dequantized: number[]; scales_u: number[][]; scales_w: number[][] }[] }
const ref = JSON.parse(readFileSync(fileURLToPath(new URL('./ref/fairy2i_ref.json', import.meta.url)), 'utf8')) as { cases: RefCase[] }

for (const c of ref.cases) {
  t.test(`matches the numpy port of the official code: ${c.name}`, async (t) => {
    const a = rowMajor(Float32Array.from(c.a), c.shape[0], c.shape[1])
    for (const s of c.stages) {
      const p = fairy2iQuantize(a, { stages: s.T })
      t.same(p.stages.map((st) => [st.u.scaleRe, st.u.scaleIm]), s.scales_u, `T=${s.T} U scales`)
      t.same(p.stages.map((st) => [st.w.scaleRe, st.w.scaleIm]), s.scales_w, `T=${s.T} W scales`)
      const d = fairy2iDequantize(p).data
      let bad = 0
      for (let i = 0; i < d.length; i++) if (Math.abs(d[i]! - s.dequantized[i]!) > ULP_SLACK * Math.abs(s.dequantized[i]!)) bad++
      t.equal(bad, 0, `T=${s.T}: dequantized entries differing from numpy`)
    }
  })
}

t.test('rejects inconsistent packed layers', async (t) => {
  const p = fairy2iQuantize(rowMajor(new Float32Array(16).map((_, i) => i - 7.5), 4, 4))
  t.throws(() => fairy2iDequantize({ ...p, rows: 6 }), { _tag: 'Fairy2iFormatError', rule: 'wrong-shape' })
  t.throws(() => fairy2iDequantize({ ...p, stages: [{ u: { ...p.stages[0]!.u, scaleRe: NaN }, w: p.stages[0]!.w }] }), { _tag: 'Fairy2iFormatError', rule: 'bad-scale' })
})
