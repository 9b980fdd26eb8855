import { fromFloat32, type NamedTensor } from '@lr/io-safetensors'
import type { Mat } from '@lr/svd'
import { PEFT_PREFIX, peftKey } from '../peft/peftKeys.js'
import { contiguousF32 } from '../internal/f32.js'

/** The tensors of an init whose method PEFT has no format for, by method.  @since 0.1.0  @category formats */
export type MethodInit =
  | { readonly method: 'sorsa' | 'svfit'; readonly u: Mat; readonly s: ArrayLike<number>; readonly vt: Mat }
  | { readonly method: 'kasa'; readonly a: Mat; readonly b: Mat; readonly diag: ArrayLike<number> }
  | { readonly method: 'qr-lora'; readonly q: Mat; readonly r: Mat; readonly lambda: ArrayLike<number> }
  | { readonly method: 'salt'; readonly u: Mat; readonly s: ArrayLike<number>; readonly vt: Mat; readonly scale: ArrayLike<number>; readonly shift: ArrayLike<number>; readonly a: Mat; readonly b: Mat }
  | { readonly method: 'nlora'; readonly a: Mat; readonly n: Mat; readonly b: Mat }
  | { readonly method: 'soka'; readonly b: readonly Mat[]; readonly c: readonly Mat[] }

const mat = (name: string, m: Mat, dtype: 'F32' | 'F16' | 'BF16'): NamedTensor => fromFloat32(name, [...m.shape], contiguousF32(m), dtype)
const vec = (name: string, v: ArrayLike<number>, dtype: 'F32' | 'F16' | 'BF16'): NamedTensor => fromFloat32(name, [v.length], Float32Array.from(v), dtype)
const stack = (name: string, ms: readonly Mat[], dtype: 'F32' | 'F16' | 'BF16'): NamedTensor => {
  const [r, c] = ms[0]!.shape
  const out = new Float32Array(ms.length * r * c)
  ms.forEach((m, k) => out.set(contiguousF32(m), k * r * c))
  return fromFloat32(name, [ms.length, r, c], out, dtype)
}

/**
 * The adapter tensors of a method PEFT has no format for, with this library's documented key scheme
 * (docs/lora-init.md), next to PEFT's prefix `base_model.model.<module>`: SORSA/SVFit `.sorsa_U|S|Vt` /
 * `.svfit_U|S|Vt`; KaSA PEFT `lora_A`/`lora_B` + `.lora_diag`; QR-LoRA `.qr_lora_Q|R|lambda`; SALT
 * `.salt_U|S|Vt|scale|shift` + `lora_A`/`lora_B`; NLoRA `lora_A`/`lora_B` + `.lora_N`; SoKA `.soka_B` [r, m1, n1],
 * `.soka_C` [r, m2, n2]. The residual (when the method has one) replaces `<module>.weight` in the model.
 * @example const tensors = methodTensors('model.layers.0.self_attn.q_proj', { method: 'sorsa', ...sorsaInit(w, { rank: 8 }) })
 * @since 0.1.0  @category formats
 */
export const methodTensors = (module: string, init: MethodInit, opts: { readonly dtype?: 'F32' | 'F16' | 'BF16' } = {}): NamedTensor[] => {
  const d = opts.dtype ?? 'F32'
  const p = `${PEFT_PREFIX}${module}`
  switch (init.method) {
    case 'sorsa': case 'svfit': {
      const k = init.method
      return [mat(`${p}.${k}_U`, init.u, d), vec(`${p}.${k}_S`, init.s, d), mat(`${p}.${k}_Vt`, init.vt, d)]
    }
    case 'kasa': return [mat(peftKey(module, 'A'), init.a, d), mat(peftKey(module, 'B'), init.b, d), vec(`${p}.lora_diag`, init.diag, d)]
    case 'qr-lora': return [mat(`${p}.qr_lora_Q`, init.q, d), mat(`${p}.qr_lora_R`, init.r, d), vec(`${p}.qr_lora_lambda`, init.lambda, d)]
    case 'salt': return [mat(`${p}.salt_U`, init.u, d), vec(`${p}.salt_S`, init.s, d), mat(`${p}.salt_Vt`, init.vt, d),
      vec(`${p}.salt_scale`, init.scale, d), vec(`${p}.salt_shift`, init.shift, d), mat(peftKey(module, 'A'), init.a, d), mat(peftKey(module, 'B'), init.b, d)]
    case 'nlora': return [mat(peftKey(module, 'A'), init.a, d), mat(peftKey(module, 'B'), init.b, d), mat(`${p}.lora_N`, init.n, d)]
    case 'soka': return [stack(`${p}.soka_B`, init.b, d), stack(`${p}.soka_C`, init.c, d)]
  }
}
