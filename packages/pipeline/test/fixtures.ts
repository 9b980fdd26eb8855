import { fileURLToPath } from 'node:url'
import { readFileSync } from 'node:fs'
/** The shared reference fixtures (CI: ../shared/fixtures from the repo root). */
export const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
export const TB = `${FIXTURES}/tinyllama-bytes`
export const EXAMPLES = fileURLToPath(new URL('../../../examples', import.meta.url))
export const meta = JSON.parse(readFileSync(`${TB}/meta.json`, 'utf8')) as { eval_loss_f32_stored: Record<'base' | 'tuned' | 'lora_r16', Record<'code' | 'prose', number>> }
/** Per-row losses from the independent numpy f64 forward (tools/fixtures/llama_eval_ref.py). */
export const rowsRef = JSON.parse(readFileSync(new URL('./ref/eval_rows.json', import.meta.url), 'utf8')) as Record<'base_code' | 'tuned_prose' | 'lora_prose', { mean: number; rows: number[] }>
export const evalBytes = (which: 'code' | 'prose', rows = 64): Uint8Array => new Uint8Array(readFileSync(`${TB}/eval_${which}.u8`)).subarray(0, rows * 257)
/** Mean of the first n reference rows. */
export const refMean = (key: keyof typeof rowsRef, n: number): number => rowsRef[key].rows.slice(0, n).reduce((a, b) => a + b, 0) / n
/** An f32 forward against an f64 one (and torch's f32) agrees to ~1e-5 nats on these models; 1e-4 is the
 *  fixture README's bound for an exact re-implementation. */
export const F32_FORWARD_TOL = 1e-4
