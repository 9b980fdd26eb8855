import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { readSafetensors, toFloat32 } from '@lr/io-safetensors'
import * as E from 'fp-ts/lib/Either.js'

/** The shared fixtures directory (CI: ../shared/fixtures from the repo root). */
export const FIXTURES = process.env['LR_FIXTURES'] ?? fileURLToPath(new URL('../../../../shared/fixtures', import.meta.url))
export const TINY = join(FIXTURES, 'tinyllama-bytes')

/** Every tensor of a single safetensors file, decoded to f32, plus its metadata. */
export const loadF32 = (path: string): { tensors: Map<string, { shape: number[]; data: Float32Array }>; metadata: Record<string, string> } => {
  const bytes = new Uint8Array(readFileSync(path))
  const r = readSafetensors(bytes, { file: path })
  if (E.isLeft(r)) throw r.left
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>()
  for (const t of r.right.tensors) tensors.set(t.name, { shape: [...t.shape], data: toFloat32(t) })
  return { tensors, metadata: { ...r.right.metadata } }
}

/** max |a − b| over two equal-length arrays. */
export const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}
