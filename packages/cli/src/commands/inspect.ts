import type { Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import { openCheckpoint, type Checkpoint } from '@lr/io-safetensors/node'
import { readFile, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'

/** config.json beside the weights, if the path is a directory holding a readable one. */
const readConfig = async (path: string): Promise<Record<string, unknown> | undefined> => {
  if (!(await stat(path)).isDirectory()) return undefined
  const text = await readFile(join(path, 'config.json'), 'utf8').catch(() => undefined) // no config.json: nothing to show
  if (text === undefined) return undefined
  try { return JSON.parse(text) as Record<string, unknown> } catch { return undefined } // not ours to validate
}

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)
const naturalOrder = new Intl.Collator('en', { numeric: true }).compare

/** Human byte size: 6.56 MB (decimal units, as HF's max_shard_size). */
export const formatBytes = (n: number): string => {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let i = 0
  let v = n
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++ }
  return i === 0 ? `${n} B` : `${v.toPrecision(3)} ${units[i]}`
}

/** The `--json` document of `lr inspect`. */
export const inspectJson = (ck: Checkpoint) => ({
  tensors: ck.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: [...t.shape], bytes: t.byteLength })),
  metadata: { ...ck.metadata },
  total_bytes: ck.totalBytes,
  total_parameters: ck.tensors.reduce((s, t) => s + numel(t.shape), 0),
  files: ck.files,
})

/** The human table of `lr inspect`. */
export const inspectTable = (ck: Checkpoint, config?: Record<string, unknown>): string => {
  const sharded = ck.files.length > 1
  const rows = [...ck.tensors].sort((a, b) => naturalOrder(a.name, b.name)).map((t) => [
    t.name, t.dtype, `[${t.shape.join(', ')}]`, numel(t.shape).toLocaleString('en-US'), formatBytes(t.byteLength), ...(sharded ? [basename(t.file)] : []),
  ])
  const head = ['tensor', 'dtype', 'shape', 'params', 'bytes', ...(sharded ? ['file'] : [])]
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const right = new Set([3, 4])
  const line = (r: readonly string[]) => r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()
  const byDtype = new Map<string, { n: number; params: number; bytes: number }>()
  for (const t of ck.tensors) {
    const d = byDtype.get(t.dtype) ?? { n: 0, params: 0, bytes: 0 }
    byDtype.set(t.dtype, { n: d.n + 1, params: d.params + numel(t.shape), bytes: d.bytes + t.byteLength })
  }
  const params = ck.tensors.reduce((s, t) => s + numel(t.shape), 0)
  const out = [
    `${ck.path}  (${ck.files.length === 1 ? basename(ck.files[0]!) : `${ck.files.length} shards + index`})`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${ck.tensors.length} tensors, ${params.toLocaleString('en-US')} parameters, ${formatBytes(ck.totalBytes)} (${ck.totalBytes.toLocaleString('en-US')} bytes)`,
    ...[...byDtype].map(([d, s]) => `  ${d.padEnd(8)} ${String(s.n).padStart(5)} tensors  ${s.params.toLocaleString('en-US').padStart(15)} params  ${formatBytes(s.bytes).padStart(9)}`),
  ]
  const meta = Object.entries(ck.metadata)
  out.push(meta.length ? `metadata: ${meta.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}` : 'metadata: none')
  if (config) {
    const keys = ['model_type', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'num_key_value_heads', 'vocab_size', 'torch_dtype', 'dtype']
    const arch = Array.isArray(config['architectures']) ? `${String(config['architectures'][0])}: ` : ''
    out.push(`config.json: ${arch}${keys.filter((k) => config[k] !== undefined).map((k) => `${k}=${String(config[k])}`).join(', ')}`)
  }
  return `${out.join('\n')}\n`
}

/** `lr inspect <file-or-dir> [--json]`: tensors (name, dtype, shape, bytes), metadata and totals of a checkpoint. */
export const register = (program: Command): void => {
  program.command('inspect')
    .description('list the tensors (name, dtype, shape, bytes), metadata and totals of a safetensors file or checkpoint directory (sharded too)')
    .argument('<file-or-dir>', 'a .safetensors file, a directory with model.safetensors, or a sharded directory with model.safetensors.index.json')
    .option('--json', 'print one JSON document: {"tensors":[{"name","dtype","shape","bytes"}],"metadata":{…},"total_bytes":N,…}')
    .addHelpText('after', '\nExample:\n  $ lr inspect examples/tinyllama-base\n  $ lr inspect examples/tinyllama-tuned --json')
    .action(async (path: string, opts: { json?: boolean }) => {
      const r = await openCheckpoint(path)()
      if (E.isLeft(r)) throw r.left
      const ck = r.right
      try {
        process.stdout.write(opts.json ? `${JSON.stringify(inspectJson(ck))}\n` : inspectTable(ck, await readConfig(path)))
      } finally {
        await ck.close()
      }
    })
}
