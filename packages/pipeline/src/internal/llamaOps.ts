/** Llama building blocks shared by the forward (eval/llama.ts) and sampling (eval/sampleLlama.ts). */
/** RMSNorm of `tokens` rows of x [tokens, h] into out (transformers' f32 arithmetic). */
export const rmsNorm = (x: Float32Array, tokens: number, h: number, w: Float32Array, eps: number, out: Float32Array): void => {
  for (let t = 0; t < tokens; t++) {
    const o = t * h
    let ss = 0
    for (let i = 0; i < h; i++) { const v = x[o + i]!; ss += v * v }
    const inv = Math.fround(1 / Math.sqrt(Math.fround(Math.fround(ss / h) + eps)))
    for (let i = 0; i < h; i++) out[o + i] = w[i]! * Math.fround(x[o + i]! * inv)
  }
}

/** cos/sin tables [tokens, headDim/2] as transformers' LlamaRotaryEmbedding computes them in f32. */
export const ropeTables = (tokens: number, headDim: number, theta: number): { cos: Float32Array; sin: Float32Array } => {
  const half = headDim / 2
  const cos = new Float32Array(tokens * half), sin = new Float32Array(tokens * half)
  for (let i = 0; i < half; i++) {
    const invFreq = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / headDim)))
    for (let t = 0; t < tokens; t++) {
      const ang = Math.fround(t * invFreq)
      cos[t * half + i] = Math.cos(ang)
      sin[t * half + i] = Math.sin(ang)
    }
  }
  return { cos, sin }
}

/** In place on x [tokens, nHeads·headDim]: x·cos + rotate_half(x)·sin, rotate_half(x) = cat(−x₂, x₁). */
export const applyRope = (x: Float32Array, tokens: number, nHeads: number, headDim: number, cos: Float32Array, sin: Float32Array): void => {
  const half = headDim / 2, width = nHeads * headDim
  for (let t = 0; t < tokens; t++) {
    for (let h = 0; h < nHeads; h++) {
      const o = t * width + h * headDim
      for (let i = 0; i < half; i++) {
        const c = cos[t * half + i]!, s = sin[t * half + i]!
        const x1 = x[o + i]!, x2 = x[o + half + i]!
        x[o + i] = x1 * c - x2 * s
        x[o + half + i] = x2 * c + x1 * s
      }
    }
  }
}


/** SwiGLU in place on gate: gate = silu(gate) · up (element-wise, silu(g) = g / (1 + e⁻ᵍ)). */
export const swigluInPlace = (gate: Float32Array, up: Float32Array): void => {
  for (let i = 0; i < gate.length; i++) { const g = gate[i]!; gate[i] = (g / (1 + Math.exp(-g))) * up[i]! }
}

/** The residual connection in place: h += y (element-wise, same length). */
export const addInPlace = (h: Float32Array, y: Float32Array): void => {
  for (let i = 0; i < h.length; i++) h[i] = h[i]! + y[i]!
}
