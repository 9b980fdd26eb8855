// @lr/svd bundled and minified (as a site ships it) still runs its worker pool: the pool sends its
// item functions to the workers as source text, and a minifier renames them. Runs in Node (worker_threads),
// no browser needed; the same bundle shape is what test/browser.test.ts runs in Chromium.
import t from 'tap'
import { build } from 'esbuild'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as svd from '@lr/svd'
import { fillUniform } from '../cases.ts'

const dir = mkdtempSync(join(tmpdir(), 'lr-bundle-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const product = async (lib: typeof svd): Promise<{ c: Float32Array; workers: number }> => {
  lib.setCpuOptions({ kernel: 'relaxed-simd', threads: 2 })
  const { workers } = await lib.startCpuWorkers({ timeoutMs: 20000 })
  const m = 300, n = 260, k = 270
  const a = lib.matrix(fillUniform(new Float32Array(m * k), 11), m, k), b = lib.matrix(fillUniform(new Float32Array(k * n), 12), k, n)
  return { c: lib.gemm(a, b).data, workers }
}

const reference = await product(svd)

for (const variant of [{ minify: true, keepNames: false }, { minify: false, keepNames: true }, { minify: true, keepNames: true }]) {
  t.test(`bundle ${JSON.stringify(variant)}: the worker pool starts and the product equals the unbundled one bit for bit`, async (t) => {
    const r = await build({
      stdin: { contents: "export * from '@lr/svd'", resolveDir: import.meta.dirname, loader: 'js' },
      bundle: true, format: 'esm', platform: 'neutral', target: 'es2022', write: false, logLevel: 'silent', ...variant,
    })
    const file = join(dir, `svd-${variant.minify}-${variant.keepNames}.mjs`)
    writeFileSync(file, r.outputFiles[0]!.text)
    const lib = (await import(pathToFileURL(file).href)) as typeof svd
    const got = await product(lib)
    t.equal(got.workers, 1, 'one worker runs beside this thread (a worker that fails to start would throw here as an uncaught error)')
    t.ok(got.c.every((v, i) => Object.is(v, reference.c[i])), 'same bits as @lr/svd unbundled')
    lib.setCpuOptions({ kernel: 'ts' })   // ends the bundle's pool
  })
}
