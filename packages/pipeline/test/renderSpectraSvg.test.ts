import t from 'tap'
import { renderSpectraHtml, renderSpectraSvg } from '../src/spectrum/renderSpectraSvg.js'
import type { LayerSpectrum } from '../src/spectrum/layerSpectrum.js'

const spectrum = (layer: number, module: string, k: number): LayerSpectrum => {
  const s = Float64Array.from({ length: k }, (_, i) => 10 * 0.8 ** i)
  return { name: `model.layers.${layer}.mlp.${module}.weight`, layer, module, shape: [k, 2 * k], s, effectiveRank: 3.5, energy: [{ rank: 4, fraction: 0.9 }, { rank: 8, fraction: 0.99 }] }
}
const spectra = [0, 1, 2].flatMap((l) => ['gate_proj', 'up_proj', 'down_proj'].map((m) => spectrum(l, m, 16)))

/** Every opened tag is closed in order (a well-formedness check for the SVG we emit: no text nodes with '<'). */
const balanced = (xml: string): boolean => {
  const stack: string[] = []
  for (const m of xml.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[3] === '/') continue
    if (m[1] === '/') { if (stack.pop() !== m[2]) return false } else stack.push(m[2]!)
  }
  return stack.length === 0
}

t.test('the SVG: one panel per module, one curve per tensor, rank markers, heat maps of layers × modules', async (t) => {
  const svg = renderSpectraSvg(spectra, { title: 'T <&> "x"', ranks: [4, 8] })
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1280" height="\d+"/)
  t.ok(balanced(svg), 'well-formed')
  t.match(svg, /T &lt;&amp;&gt; &quot;x&quot;/, 'text is escaped')
  t.equal([...svg.matchAll(/<g class="panel"/g)].length, 3)
  t.equal([...svg.matchAll(/<polyline class="curve"/g)].length, 9)
  t.equal([...svg.matchAll(/class="rank-marker"/g)].length, 3 * 2)
  t.equal([...svg.matchAll(/<rect class="cell"/g)].length, 3 * 9, 'effective rank + two energy maps, 9 cells each')
  t.match(svg, /class="heatmap heatmap-erank"/)
  t.match(svg, /class="heatmap heatmap-energy-8"/)
  const pts = /points="([^"]+)"/.exec(svg)![1]!.split(' ').map((p) => p.split(',').map(Number))
  t.equal(pts.length, 16)
  t.ok(pts.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y)))
  t.ok(pts.every((p, i) => i === 0 || p[1]! > pts[i - 1]![1]!), 'a decaying spectrum is drawn going down (SVG y grows downwards)')
})

t.test('the HTML page embeds the SVG and a row per tensor', async (t) => {
  const html = renderSpectraHtml(spectra, { ranks: [4] })
  t.match(html, /^<!doctype html>/)
  t.match(html, /<svg /)
  t.equal([...html.matchAll(/<tr><td>/g)].length, 9)
})
