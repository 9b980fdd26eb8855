// @lr/svd in headless Chromium (check.ts): every kernel path × threads 1 and 2 on a cross-origin
// isolated page (Web Workers over SharedArrayBuffer), on a plain page (the single-thread,
// unshared-memory fallback) and in a dedicated worker of the isolated page (nested pool workers),
// each output compared bit for bit with the same computation in Node.
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
  t.equal(report.pages.map((p) => `${p.page}:${p.env.isCrossOriginIsolated}`).join(), 'isolated:true,plain:false,worker:true', 'an isolated page, a plain page, a dedicated worker of the isolated page')
  for (const p of report.pages) {
    t.equal(p.results.find((r) => r.config.kernel === 'relaxed-simd' && r.config.threads === 2)?.info.workers, p.page === 'plain' ? 0 : 1,
      `${p.page}: ${p.page === 'plain' ? 'no Web Worker without isolation' : 'a Web Worker computes beside the calling thread'}`)
  }
  t.ok(report.compared > 0 && report.identical === report.compared, `${report.identical} of ${report.compared} outputs bit-identical to Node`)
})
