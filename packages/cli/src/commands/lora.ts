import type { Command } from 'commander'
import * as E from 'fp-ts/lib/Either.js'
import type * as TE from 'fp-ts/lib/TaskEither.js'
import { UsageError, progressReporter, type ProgressReporter } from '../runtime.js'
import { registerInit } from './lora/init.js'
import { registerExtract } from './lora/extract.js'
import { registerResize } from './lora/resize.js'
import { registerMerge } from './lora/merge.js'
import { registerConvert } from './lora/convert.js'

/** Runs a TaskEither and throws its Left (the runtime prints `lr: Tag: message`, exit 1). */
export const unwrap = async <L, R>(te: TE.TaskEither<L, R>): Promise<R> => {
  const r = await te()
  if (E.isLeft(r)) throw r.left
  return r.right
}

/** Prints the result: one JSON document with --json, else the human lines. */
export const emit = (isJson: boolean, json: unknown, lines: () => readonly string[]): void => {
  if (isJson) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`)
  else for (const l of lines()) process.stdout.write(`${l}\n`)
}

/** A progress reporter honouring --json. */
export const reporter = (isJson: boolean): ProgressReporter => progressReporter({ isJson })

/** Parses a positive integer flag. */
export const positiveInt = (flag: string) => (v: string): number => {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, got "${v}"`)
  return n
}

/** Parses a finite number flag. */
export const finiteNumber = (flag: string) => (v: string): number => {
  const n = Number(v)
  if (!Number.isFinite(n)) throw new UsageError(`${flag} must be a number, got "${v}"`)
  return n
}

/** Parses a fraction in (0, 1]. */
export const fraction = (flag: string) => (v: string): number => {
  const n = Number(v)
  if (!(n > 0 && n <= 1)) throw new UsageError(`${flag} must be in (0, 1], got "${v}"`)
  return n
}

/** Collects a repeated option. */
export const collect = <T>(parse: (v: string) => T) => (v: string, prev: T[] = []): T[] => [...prev, parse(v)]

/** `--targets q_proj,v_proj` → a list; `all-linear` stays a string. */
export const parseTargets = (v: string | undefined): readonly string[] | string => {
  if (v === undefined || v === 'all-linear') return 'all-linear'
  const list = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
  if (list.length === 0) throw new UsageError('--targets needs module names, e.g. --targets q_proj,v_proj')
  return list
}

/** Registers `lr lora <verb>`: init, extract, resize, merge, convert. */
export const register = (program: Command): void => {
  const lora = program.command('lora').description('LoRA adapters: init (PiSSA, OLoRA, CorDA, EVA, …), extract, resize, merge, convert (PEFT and kohya formats)')
  registerInit(lora)
  registerExtract(lora)
  registerResize(lora)
  registerMerge(lora)
  registerConvert(lora)
}

/** The rank rule from --energy / --frobenius / --sv-ratio / --cumulative (at most one). */
export interface RuleFlags { readonly energy?: number; readonly frobenius?: number; readonly svRatio?: number; readonly cumulative?: number }
export const ruleFromFlags = (o: RuleFlags): { kind: 'fixed' } | { kind: 'energy' | 'frobenius' | 'ratio' | 'cumulative'; threshold: number } => {
  const given = [['energy', o.energy], ['frobenius', o.frobenius], ['ratio', o.svRatio], ['cumulative', o.cumulative]].filter(([, v]) => v !== undefined) as [string, number][]
  if (given.length > 1) throw new UsageError('give at most one of --energy, --frobenius, --sv-ratio, --cumulative')
  if (given.length === 0) return { kind: 'fixed' }
  return { kind: given[0]![0] as 'energy', threshold: given[0]![1] }
}

/** Adds the dynamic-rank flags to a command. */
export const addRuleFlags = (c: Command): Command => c
  .option('--energy <e>', 'dynamic rank: keep the smallest rank holding this fraction of Σσ² (kohya sv_fro with √e)', fraction('--energy'))
  .option('--frobenius <f>', 'dynamic rank: kohya sv_fro (Frobenius-norm ratio kept)', fraction('--frobenius'))
  .option('--sv-ratio <t>', 'dynamic rank: kohya sv_ratio (keep σ > σ₀/t)', finiteNumber('--sv-ratio'))
  .option('--cumulative <c>', 'dynamic rank: kohya sv_cumulative (fraction of Σσ kept; exact SVD)', fraction('--cumulative'))

/** Default upper bound on the rank of a dynamic rule when --rank is not given. */
export const DEFAULT_MAX_RANK = 256

/** Formats a ratio as a percentage with 2 decimals. */
export const pct = (x: number): string => `${(100 * x).toFixed(2)}%`
