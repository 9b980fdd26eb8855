import { SingleBar, Presets } from 'cli-progress'

/** Exit codes of `lr`: 0 ok, 1 runtime/data error, 2 usage error. */
export const EXIT_OK = 0
export const EXIT_DATA_ERROR = 1
export const EXIT_USAGE = 2

/** A usage error raised by a command (bad flag values); printed without a stack, exit code 2. */
export class UsageError extends Error {
  readonly _tag = 'UsageError'
}

/** Prints an error for a person (`lr: <message>`) and returns the exit code it deserves. */
export const reportError = (e: unknown): number => {
  const err = e instanceof Error ? e : new Error(String(e))
  const tag = (err as { _tag?: string })._tag
  process.stderr.write(`lr: ${tag && tag !== 'UsageError' ? `${tag}: ` : ''}${err.message}\n`)
  if (!tag && process.env['LR_DEBUG']) process.stderr.write(`${err.stack}\n`)
  return tag === 'UsageError' ? EXIT_USAGE : EXIT_DATA_ERROR
}

/** Progress events as emitted by @lr/pipeline and long-running commands. */
export interface ProgressEvent { readonly stage: string; readonly done: number; readonly total: number; readonly item?: string }

/** A progress renderer: a bar on a terminal (stderr), silent with --json or when stderr is not a TTY
 *  unless `force` (then one line per stage change). */
export const progressReporter = (opts: { readonly isJson: boolean }) => {
  let bar: SingleBar | undefined
  let stage = ''
  const enabled = !opts.isJson
  const tty = Boolean(process.stderr.isTTY)
  return {
    update(ev: ProgressEvent): void {
      if (!enabled) return
      if (ev.stage !== stage) {
        bar?.stop()
        bar = undefined
        stage = ev.stage
        if (tty) {
          bar = new SingleBar({ format: `${ev.stage.padEnd(18)} [{bar}] {value}/{total} {item}`, hideCursor: true, stream: process.stderr }, Presets.shades_classic)
          bar.start(ev.total, ev.done, { item: ev.item ?? '' })
        } else {
          process.stderr.write(`${ev.stage}: ${ev.total} items\n`)
        }
      }
      bar?.update(ev.done, { item: ev.item ?? '' })
    },
    stop(): void { bar?.stop(); bar = undefined; stage = '' },
  }
}
export type ProgressReporter = ReturnType<typeof progressReporter>

/** Parses a size such as `2GB`, `500MB`, `1.5GiB`, `1024` into bytes. */
export const parseByteSize = (s: string): number => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]i?b?|b)?\s*$/i.exec(s)
  if (!m) throw new UsageError(`cannot read size "${s}": use e.g. 2GB, 500MB, 1GiB or a byte count`)
  const n = Number(m[1])
  const unit = (m[2] ?? 'b').toLowerCase()
  const pow = { b: 0, k: 1, m: 2, g: 3, t: 4 }[unit[0] as 'b' | 'k' | 'm' | 'g' | 't']
  const base = unit.includes('i') ? 1024 : 1000
  return Math.round(n * base ** pow)
}
