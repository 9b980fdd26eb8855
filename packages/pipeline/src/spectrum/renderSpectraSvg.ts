import type { LayerSpectrum } from './layerSpectrum.js'

/** Options of `renderSpectraSvg`.  @since 0.1.0  @category spectrum */
export interface RenderSpectraOptions {
  /** @default 'Singular-value spectra' */
  readonly title?: string
  /** A second line under the title (e.g. the model path, "ΔW = tuned − base"). */
  readonly subtitle?: string
  /** Ranks marked on the curves and shown as energy heat maps (at most 2 maps). @default the ranks in the spectra */
  readonly ranks?: readonly number[]
  /** Total width in pixels. @default 1280 */
  readonly width?: number
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const f = (x: number): string => (Math.round(x * 10) / 10).toString()

// viridis stops (matplotlib), interpolated
const VIRIDIS = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]] as const
const viridis = (t: number): string => {
  const x = Math.min(1, Math.max(0, t)) * (VIRIDIS.length - 1)
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x)), u = x - i
  const c = VIRIDIS[i]!.map((v, k) => Math.round(v + (VIRIDIS[i + 1]![k]! - v) * u))
  return `rgb(${c[0]},${c[1]},${c[2]})`
}
// sequential blues for heat maps: light → dark
const blues = (t: number): string => {
  const a = [239, 243, 255], b = [8, 48, 107]
  const u = Math.min(1, Math.max(0, t))
  return `rgb(${a.map((v, k) => Math.round(v + (b[k]! - v) * u)).join(',')})`
}

/** Renders per-layer singular-value curves (log scale, one panel per module, one curve per layer, dashed
 *  markers at the chosen ranks), an effective-rank heat map (layers × modules) and energy-at-rank heat maps,
 *  as one standalone SVG document (no scripts, no external resources).
 *  @example writeFileSync('spectra.svg', renderSpectraSvg(spectra, { title: 'tinyllama-base', ranks: [16, 64] }))
 *  @since 0.1.0  @category spectrum */
export const renderSpectraSvg = (spectra: readonly LayerSpectrum[], opts: RenderSpectraOptions = {}): string => {
  const W = opts.width ?? 1280, M = 24, gap = 18
  const ranks = opts.ranks ?? [...new Set(spectra.flatMap((s) => s.energy.map((e) => e.rank)))]
  const ORDER = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']
  const rank = (m: string): number => (ORDER.includes(m) ? ORDER.indexOf(m) : ORDER.length)
  const modules = [...new Set(spectra.map((s) => s.module))].sort((a, b) => rank(a) - rank(b)) // Llama order first, then as found
  const layers = [...new Set(spectra.map((s) => s.layer))].sort((a, b) => a - b)
  const layerT = (l: number): number => (layers.length <= 1 ? 0 : layers.indexOf(l) / (layers.length - 1)) * 0.9
  const out: string[] = []
  let y = M
  out.push(`<text x="${M}" y="${y + 20}" font-size="22" font-weight="600" fill="#111">${esc(opts.title ?? 'Singular-value spectra')}</text>`)
  y += 30
  if (opts.subtitle) { out.push(`<text x="${M}" y="${y + 14}" font-size="13" fill="#555">${esc(opts.subtitle)}</text>`); y += 22 }
  // legend: layer colours
  y += 8
  out.push(`<g class="legend"><text x="${M}" y="${y + 11}" font-size="12" fill="#333">layer</text>`)
  const shown = layers.length <= 16 ? layers : [layers[0]!, layers[Math.floor(layers.length / 2)]!, layers[layers.length - 1]!]
  shown.forEach((l, i) => {
    const x = M + 44 + i * 62
    out.push(`<rect x="${x}" y="${y + 2}" width="18" height="10" fill="${viridis(layerT(l))}"/><text x="${x + 22}" y="${y + 11}" font-size="12" fill="#333">${l < 0 ? 'other' : l}</text>`)
  })
  out.push('</g>')
  y += 24
  // panels
  const cols = Math.min(4, Math.max(1, modules.length)), pw = (W - 2 * M - (cols - 1) * gap) / cols, ph = 230
  const padL = 46, padB = 30, padT = 24, padR = 10
  modules.forEach((mod, idx) => {
    const px = M + (idx % cols) * (pw + gap), py = y + Math.floor(idx / cols) * (ph + gap)
    const group = spectra.filter((s) => s.module === mod)
    const kmax = Math.max(...group.map((s) => s.s.length))
    const smax = Math.max(...group.map((s) => s.s[0] ?? 0))
    const positives = group.flatMap((s) => Array.from(s.s).filter((v) => v > 0))
    const smin = Math.max(Math.min(...positives, smax), smax * 1e-6)
    const hi = Math.ceil(Math.log10(smax || 1)), lo = Math.min(hi - 1, Math.floor(Math.log10(smin || 1e-6)))
    const x0 = px + padL, x1 = px + pw - padR, y0 = py + padT, y1 = py + ph - padB
    const sx = (i: number): number => x0 + ((i - 1) / Math.max(1, kmax - 1)) * (x1 - x0)
    const sy = (v: number): number => y1 - ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * (y1 - y0)
    out.push(`<g class="panel" data-module="${esc(mod)}">`)
    out.push(`<rect x="${f(px)}" y="${f(py)}" width="${f(pw)}" height="${ph}" fill="#fff" stroke="#ddd"/>`)
    out.push(`<text x="${f(px + 8)}" y="${f(py + 16)}" font-size="13" font-weight="600" fill="#222">${esc(mod)}</text>`)
    out.push(`<text x="${f(px + pw - 8)}" y="${f(py + 16)}" font-size="11" fill="#666" text-anchor="end">${group[0]!.shape.join('×')}</text>`)
    for (let d = lo; d <= hi; d++) {
      const gy = sy(10 ** d)
      out.push(`<line x1="${f(x0)}" x2="${f(x1)}" y1="${f(gy)}" y2="${f(gy)}" stroke="#eee"/><text x="${f(x0 - 4)}" y="${f(gy + 4)}" font-size="10" fill="#666" text-anchor="end">1e${d}</text>`)
    }
    out.push(`<line x1="${f(x0)}" x2="${f(x0)}" y1="${f(y0)}" y2="${f(y1)}" stroke="#999"/><line x1="${f(x0)}" x2="${f(x1)}" y1="${f(y1)}" y2="${f(y1)}" stroke="#999"/>`)
    for (const tick of [1, Math.round(kmax / 2), kmax]) out.push(`<text x="${f(sx(tick))}" y="${f(y1 + 13)}" font-size="10" fill="#666" text-anchor="middle">${tick}</text>`)
    out.push(`<text x="${f((x0 + x1) / 2)}" y="${f(y1 + 25)}" font-size="10" fill="#888" text-anchor="middle">index i (σᵢ, log scale)</text>`)
    for (const r of ranks) if (r >= 1 && r <= kmax) {
      out.push(`<line class="rank-marker" x1="${f(sx(r))}" x2="${f(sx(r))}" y1="${f(y0)}" y2="${f(y1)}" stroke="#c0392b" stroke-dasharray="4 3" stroke-width="1"/><text x="${f(sx(r) + 3)}" y="${f(y0 + 10)}" font-size="10" fill="#c0392b">r=${r}</text>`)
    }
    for (const s of group) {
      const step = Math.max(1, Math.floor(s.s.length / 400))
      const pts: string[] = []
      for (let i = 0; i < s.s.length; i += step) pts.push(`${f(sx(i + 1))},${f(sy(s.s[i]!))}`)
      out.push(`<polyline class="curve" data-tensor="${esc(s.name)}" data-layer="${s.layer}" fill="none" stroke="${viridis(layerT(s.layer))}" stroke-width="1.5" points="${pts.join(' ')}"/>`)
    }
    out.push('</g>')
  })
  y += Math.ceil(modules.length / cols) * (ph + gap) + 10
  // heat maps: effective rank, then energy at up to two ranks
  const maps: { title: string; value: (s: LayerSpectrum) => number; scale: (s: LayerSpectrum) => number; fmt: (v: number) => string; cls: string }[] = [
    { title: 'effective rank (Roy–Vetterli)', value: (s) => s.effectiveRank, scale: (s) => s.effectiveRank / Math.min(...s.shape), fmt: (v) => v.toFixed(0), cls: 'heatmap-erank' },
    ...ranks.slice(0, 2).map((r) => ({
      title: `energy in top ${r} (Σσᵢ² share)`,
      value: (s: LayerSpectrum) => s.energy.find((e) => e.rank === r)?.fraction ?? NaN,
      scale: (s: LayerSpectrum) => s.energy.find((e) => e.rank === r)?.fraction ?? 0,
      fmt: (v: number) => `${(100 * v).toFixed(0)}%`, cls: `heatmap-energy-${r}`,
    })),
  ]
  const mw = (W - 2 * M - (maps.length - 1) * gap) / maps.length
  const labelW = 58, cellW = (mw - labelW) / Math.max(1, modules.length), cellH = Math.max(8, Math.min(24, 420 / Math.max(1, layers.length)))
  maps.forEach((map, mi) => {
    const mx = M + mi * (mw + gap)
    out.push(`<g class="heatmap ${map.cls}"><text x="${f(mx)}" y="${f(y + 14)}" font-size="13" font-weight="600" fill="#222">${esc(map.title)}</text>`)
    modules.forEach((mod, j) => out.push(`<text x="${f(mx + labelW + (j + 0.5) * cellW)}" y="${f(y + 32)}" font-size="10" fill="#444" text-anchor="middle">${esc(mod.replace(/_proj$/, ''))}</text>`))
    layers.forEach((l, i) => {
      const cy = y + 38 + i * cellH
      out.push(`<text x="${f(mx + labelW - 6)}" y="${f(cy + cellH / 2 + 4)}" font-size="10" fill="#444" text-anchor="end">${l < 0 ? 'other' : `layer ${l}`}</text>`)
      modules.forEach((mod, j) => {
        const s = spectra.find((q) => q.layer === l && q.module === mod)
        if (!s) return
        const t = map.scale(s), cx = mx + labelW + j * cellW
        out.push(`<rect class="cell" data-layer="${l}" data-module="${esc(mod)}" data-value="${map.value(s)}" x="${f(cx)}" y="${f(cy)}" width="${f(cellW - 1)}" height="${f(cellH - 1)}" fill="${blues(t)}"/>`)
        if (cellH >= 12) out.push(`<text x="${f(cx + cellW / 2)}" y="${f(cy + cellH / 2 + 3.5)}" font-size="10" text-anchor="middle" fill="${t > 0.55 ? '#fff' : '#111'}">${map.fmt(map.value(s))}</text>`)
      })
    })
    out.push('</g>')
  })
  y += 38 + layers.length * cellH + M
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Math.ceil(y)}" viewBox="0 0 ${W} ${Math.ceil(y)}" font-family="DejaVu Sans, Arial, sans-serif">\n<rect width="100%" height="100%" fill="#fafafa"/>\n${out.join('\n')}\n</svg>\n`
}

/** The SVG in a standalone HTML page, with a table of every tensor's effective rank and energies.
 *  @example writeFileSync('spectra.html', renderSpectraHtml(spectra, { title: 'tinyllama-base' }))
 *  @since 0.1.0  @category spectrum */
export const renderSpectraHtml = (spectra: readonly LayerSpectrum[], opts: RenderSpectraOptions = {}): string => {
  const ranks = opts.ranks ?? [...new Set(spectra.flatMap((s) => s.energy.map((e) => e.rank)))]
  const rows = spectra.map((s) => `<tr><td>${esc(s.name)}</td><td>${s.shape.join('×')}</td><td>${(s.s[0] ?? 0).toPrecision(4)}</td><td>${s.effectiveRank.toFixed(1)}</td>${ranks.map((r) => `<td>${(100 * (s.energy.find((e) => e.rank === r)?.fraction ?? NaN)).toFixed(1)}%</td>`).join('')}</tr>`)
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${esc(opts.title ?? 'Singular-value spectra')}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;background:#fafafa}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}td:first-child{text-align:left;font-family:monospace}</style></head>
<body>\n${renderSpectraSvg(spectra, opts)}<table><thead><tr><th>tensor</th><th>shape</th><th>σ₁</th><th>effective rank</th>${ranks.map((r) => `<th>energy r=${r}</th>`).join('')}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></body></html>\n`
}
