// @lr/svd in headless Chromium (check.ts): every kernel path × threads 1 and 2 on a cross-origin
// isolated page (Web Workers over SharedArrayBuffer) and on a plain page (the single-thread,
// unshared-memory fallback), each output compared bit for bit with the same computation in Node.
// Skipped, saying so, when no Chromium binary is found (CHROMIUM=/path, or apt-get install -y chromium).
import t from 'tap'
import { findChromium } from '../chromium.ts'
import { runCheck, formatReport } from '../check.ts'

const chromium = findChromium()
t.test('@lr/svd in headless Chromium equals @lr/svd in Node', { skip: chromium === null ? 'no Chromium binary (set CHROMIUM, or `apt-get install -y chromium`; tools/bootstrap.sh installs it as root)' : false }, async (t) => {
  const t0 = performance.now()
  const report = await runCheck({ chromium: chromium!, seed: 7, sgemmN: null, progress: (s) => t.comment(`${((performance.now() - t0) / 1000).toFixed(1)} s: ${s}`) })
  t.comment(formatReport(report))
  t.same(report.problems, [], 'no problems (page errors, wrong kernel/threads/workers, outputs beyond the tolerance)')
  t.equal(report.pages.map((p) => p.env.isCrossOriginIsolated).join(), 'true,false', 'one isolated page, one plain page')
  t.equal(report.pages[0]!.results.find((r) => r.config.kernel === 'relaxed-simd' && r.config.threads === 2)?.info.workers, 1, 'isolated page: a Web Worker computes beside the page')
  t.ok(report.compared > 0 && report.identical === report.compared, `${report.identical} of ${report.compared} outputs bit-identical to Node`)
})
