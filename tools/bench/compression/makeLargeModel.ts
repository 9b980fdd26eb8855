// Writes a multi-GB Llama-shaped BF16 checkpoint for the peak-RSS measurement of `lr compress` (docs/compression.md).
//   node tools/bench/compression/makeLargeModel.ts OUT_DIR [vocab=256000] [hidden=2048] [intermediate=5632] [layers=2]
// Gemma/Llama-3-like proportions: the embeddings and the untied lm_head are the largest tensors. Values are
// deterministic pseudo-random (a xorshift per tensor), generated one tensor at a time and streamed to disk.
import { writeCheckpoint } from '@lr/io-safetensors/node'
import type { NamedTensor } from '@lr/io-safetensors'

const [out, vocabS = '256000', hiddenS = '2048', interS = '5632', layersS = '2'] = process.argv.slice(2)
if (!out) { console.error('usage: makeLargeModel.ts OUT_DIR [vocab] [hidden] [intermediate] [layers]'); process.exit(2) }
const V = Number(vocabS), H = Number(hiddenS), I = Number(interS), L = Number(layersS), KV = H / 4
const specs: { name: string; dtype: 'BF16'; shape: number[] }[] = [{ name: 'model.embed_tokens.weight', dtype: 'BF16', shape: [V, H] }]
for (let l = 0; l < L; l++) {
  const p = `model.layers.${l}`
  specs.push({ name: `${p}.input_layernorm.weight`, dtype: 'BF16', shape: [H] }, { name: `${p}.post_attention_layernorm.weight`, dtype: 'BF16', shape: [H] },
    { name: `${p}.self_attn.q_proj.weight`, dtype: 'BF16', shape: [H, H] }, { name: `${p}.self_attn.k_proj.weight`, dtype: 'BF16', shape: [KV, H] },
    { name: `${p}.self_attn.v_proj.weight`, dtype: 'BF16', shape: [KV, H] }, { name: `${p}.self_attn.o_proj.weight`, dtype: 'BF16', shape: [H, H] },
    { name: `${p}.mlp.gate_proj.weight`, dtype: 'BF16', shape: [I, H] }, { name: `${p}.mlp.up_proj.weight`, dtype: 'BF16', shape: [I, H] },
    { name: `${p}.mlp.down_proj.weight`, dtype: 'BF16', shape: [H, I] })
}
specs.push({ name: 'model.norm.weight', dtype: 'BF16', shape: [H] }, { name: 'lm_head.weight', dtype: 'BF16', shape: [V, H] })

async function* tensors(): AsyncGenerator<NamedTensor> {
  let seed = 0x9e3779b9
  for (const s of specs) {
    const n = s.shape.reduce((a, b) => a * b, 1)
    const d = new Uint16Array(n)
    if (s.shape.length === 1) d.fill(0x3f80) // 1.0
    else {
      let x = (seed = (seed * 1664525 + 1013904223) >>> 0) | 1
      // bf16 bits of a uniform value in ±[2^-7, 2^-6): sign, exponent 0x78, random mantissa
      for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; d[i] = ((x >>> 31) << 15) | (0x78 << 7) | (x & 0x7f) }
    }
    yield { name: s.name, dtype: 'BF16', shape: s.shape, data: d }
  }
}
const cfg = { architectures: ['LlamaForCausalLM'], model_type: 'llama', hidden_size: H, intermediate_size: I, num_hidden_layers: L, num_attention_heads: 16, num_key_value_heads: 4, head_dim: H / 16, vocab_size: V, max_position_embeddings: 4096, rms_norm_eps: 1e-5, rope_theta: 10000, tie_word_embeddings: false, torch_dtype: 'bfloat16' }
const r = await writeCheckpoint(out, tensors(), { specs, metadata: { format: 'pt' }, extraFiles: { 'config.json': JSON.stringify(cfg, null, 2) } })()
if (r._tag === 'Left') { console.error(r.left.message); process.exit(1) }
const largest = Math.max(...specs.map((s) => s.shape.reduce((a, b) => a * b, 1) * 2))
console.log(JSON.stringify({ out, totalBytes: r.right.totalBytes, largestTensorBytes: largest, tensors: specs.length }))
