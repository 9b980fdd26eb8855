// The page's script (bundled by esbuild with @lr/svd): exposes the shared cases to the driver, which
// calls them through Runtime.evaluate (`lrCheck.runConfig(...)`), and fetches an output's bytes
// (`lrCheck.output(name)`, base64) only where its digest differs from Node's.
import type { Float } from '@lr/svd'
import { CONFIGS, base64, environment, runConfig, sgemmThroughput, type Config } from './cases.ts'

const last = new Map<string, Float>()
;(globalThis as { lrCheck?: unknown }).lrCheck = {
  CONFIGS, environment, sgemmThroughput,
  runConfig: (config: Config, seed: number) => runConfig(config, seed, last),
  output: (name: string): string | null => { const x = last.get(name); return x === undefined ? null : base64(x) },
}
