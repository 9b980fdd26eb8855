import t from 'tap'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { fromFloat32, isFloatDtype, toFloat32, type NamedTensor } from '@lr/io-safetensors'
import { openCheckpoint, writeCheckpoint, writeSafetensors } from '@lr/io-safetensors/node'
import { loraAdapterFromModules, resizeLora, type LoraPair } from '@lr/adapters'
import { extractLoraFromCheckpoints, mergeIntoCheckpoint, readLoraAdapter, writeKohyaFile, writePeftAdapterDir } from '@lr/adapters/node'

// The lora commands and `lr convert` are pipelines over @lr/pipeline's combinators. Their files must be byte for
// byte what the direct implementations (the @lr/adapters / @lr/io-safetensors calls these commands made before
// they became pipelines) write from the same inputs, run here side by side.
const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
const TINY = join(FIXTURES, 'tinyllama-bytes')
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url))
const tmp = mkdtempSync(join(tmpdir(), 'lr-cli-pipe-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

const lr = (...args: string[]): void => {
  const r = spawnSync(process.execPath, [BIN, ...args, '--json'], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`lr ${args.join(' ')}: ${r.stderr}`)
}
const run = async <A>(te: TE.TaskEither<unknown, A>): Promise<A> => { const r = await te(); if (E.isLeft(r)) throw r.left; return r.right }
/** sha256 of every file under a path (a file, or a directory's files by name). */
const digest = (p: string): Record<string, string> => {
  const h = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex')
  try { return Object.fromEntries(readdirSync(p).sort().map((n) => [n, h(join(p, n))])) } catch { return { '.': h(p) } }
}

t.test('lr lora extract (peft F32, peft BF16 dynamic rank, kohya, randomized SVD) = extractLoraFromCheckpoints + writers', async (t) => {
  const cases: { args: string[]; opts: Parameters<typeof extractLoraFromCheckpoints>[2]; dtype: 'F32' | 'BF16'; kohya?: boolean }[] = [
    { args: ['--rank', '16'], opts: { rank: 16 }, dtype: 'F32' },
    { args: ['--energy', '0.5', '--rank', '32', '--targets', 'o_proj', '--dtype', 'BF16'], opts: { rank: 32, rule: { kind: 'energy', threshold: 0.5 }, targets: ['o_proj'] }, dtype: 'BF16' },
    { args: ['--rank', '4', '--targets', 'q_proj,v_proj', '--format', 'kohya'], opts: { rank: 4, targets: ['q_proj', 'v_proj'] }, dtype: 'F32', kohya: true },
    { args: ['--rank', '8', '--svd', 'randomized', '--seed', '3', '--targets', 'gate_proj,up_proj'], opts: { rank: 8, svd: 'randomized', seed: 3, targets: ['gate_proj', 'up_proj'] }, dtype: 'F32' },
  ]
  for (const [i, c] of cases.entries()) {
    const cli = join(tmp, `ex${i}${c.kohya ? '.safetensors' : ''}`), ref = join(tmp, `ex${i}-ref${c.kohya ? '.safetensors' : ''}`)
    lr('lora', 'extract', '--base', join(TINY, 'base'), '--tuned', join(TINY, 'tuned_sharded'), ...c.args, '--out', cli)
    const res = await run(extractLoraFromCheckpoints(join(TINY, 'base'), join(TINY, 'tuned_sharded'), c.opts))
    if (c.kohya) await run(writeKohyaFile(ref, res.adapter, { dtype: c.dtype }))
    else await run(writePeftAdapterDir(ref, res.adapter, { dtype: c.dtype }))
    t.same(digest(cli), digest(ref), c.args.join(' '))
  }
})

t.test('lr lora merge (F32; two weighted adapters in the base dtype; combine) = mergeIntoCheckpoint / combine + writer', async (t) => {
  const lora = join(TINY, 'lora_r16_trained'), other = join(TINY, 'random_rslora_patterns')
  const a = (await run(readLoraAdapter(lora))).adapter, b = (await run(readLoraAdapter(other))).adapter
  lr('lora', 'merge', '--model', join(TINY, 'base'), '--adapter', lora, '--dtype', 'F32', '--out', join(tmp, 'm1'))
  await run(mergeIntoCheckpoint(join(TINY, 'base'), [{ adapter: a }], join(tmp, 'm1-ref'), { dtype: 'F32' }))
  t.same(digest(join(tmp, 'm1')), digest(join(tmp, 'm1-ref')), 'F32 merge')
  lr('lora', 'merge', '--model', join(TINY, 'base'), '--adapter', lora, '--weight', '0.5', '--adapter', other, '--weight', '0.25', '--out', join(tmp, 'm2'))
  await run(mergeIntoCheckpoint(join(TINY, 'base'), [{ adapter: a, weight: 0.5 }, { adapter: b, weight: 0.25 }], join(tmp, 'm2-ref')))
  t.same(digest(join(tmp, 'm2')), digest(join(tmp, 'm2-ref')), 'weighted merge in the base dtype')
  lr('lora', 'resize', lora, '--rank', '4', '--out', join(tmp, 'r4'))
  const pairs = new Map<string, LoraPair & { fanInFanOut: boolean }>()
  for (const m of a.modules.values()) { const r = resizeLora(m, { rank: 4 }); pairs.set(m.module, { a: r.a, b: r.b, scaling: r.scaling, fanInFanOut: m.fanInFanOut }) }
  const { r: _r, lora_alpha: _a, rank_pattern: _rp, alpha_pattern: _ap, use_rslora, extra, ...keep } = a.config
  await run(writePeftAdapterDir(join(tmp, 'r4-ref'), loraAdapterFromModules(pairs, { useRslora: use_rslora, config: { ...keep, extra } })))
  t.same(digest(join(tmp, 'r4')), digest(join(tmp, 'r4-ref')), 'resize')
  lr('lora', 'convert', lora, '--to', 'kohya', '--out', join(tmp, 'k.safetensors'))
  await run(writeKohyaFile(join(tmp, 'k-ref.safetensors'), a))
  t.same(digest(join(tmp, 'k.safetensors')), digest(join(tmp, 'k-ref.safetensors')), 'PEFT → kohya')
  lr('lora', 'convert', join(tmp, 'k.safetensors'), '--to', 'peft', '--out', join(tmp, 'kp'))
  await run(writePeftAdapterDir(join(tmp, 'kp-ref'), (await run(readLoraAdapter(join(tmp, 'k.safetensors')))).adapter))
  t.same(digest(join(tmp, 'kp')), digest(join(tmp, 'kp-ref')), 'kohya → PEFT')
})

t.test('lr convert (f32 dir, sharded dir, f16 file) = openCheckpoint + cast + io-safetensors writers', async (t) => {
  const direct = async (input: string, output: string, target: 'F32' | 'F16' | undefined, maxShardBytes?: number): Promise<void> => {
    const ck = await run(openCheckpoint(input))
    try {
      const specs = ck.tensors.map((x) => ({ name: x.name, dtype: target !== undefined && isFloatDtype(x.dtype) ? target : x.dtype, shape: x.shape }))
      async function* tensors(): AsyncGenerator<NamedTensor> {
        for (const info of ck.tensors) {
          const x = await run(ck.readTensor(info.name))
          yield target === undefined || !isFloatDtype(x.dtype) || x.dtype === target ? x : fromFloat32(x.name, x.shape, toFloat32(x), target)
        }
      }
      if (output.endsWith('.safetensors')) await run(writeSafetensors(output, tensors(), { metadata: ck.metadata, specs }))
      else await run(writeCheckpoint(output, tensors(), { metadata: ck.metadata, specs, extraFiles: { 'config.json': readFileSync(join(input, 'config.json')), 'generation_config.json': readFileSync(join(input, 'generation_config.json')) }, ...(maxShardBytes !== undefined ? { maxShardBytes } : {}) }))
    } finally { await ck.close() }
  }
  lr('convert', join(TINY, 'base'), join(tmp, 'c32'), '--dtype', 'f32')
  await direct(join(TINY, 'base'), join(tmp, 'c32-ref'), 'F32')
  t.same(digest(join(tmp, 'c32')), digest(join(tmp, 'c32-ref')), 'f32 directory')
  lr('convert', join(TINY, 'base'), join(tmp, 'cs'), '--max-shard-size', '1MB')
  await direct(join(TINY, 'base'), join(tmp, 'cs-ref'), undefined, 1e6)
  t.same(digest(join(tmp, 'cs')), digest(join(tmp, 'cs-ref')), 'sharded directory')
  lr('convert', join(TINY, 'tuned_sharded'), join(tmp, 'c16.safetensors'), '--dtype', 'f16')
  await direct(join(TINY, 'tuned_sharded'), join(tmp, 'c16-ref.safetensors'), 'F16')
  t.same(digest(join(tmp, 'c16.safetensors')), digest(join(tmp, 'c16-ref.safetensors')), 'f16 file')
})
