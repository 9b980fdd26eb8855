import type { TileConfig } from '../context.js'

/** Variant of the tiled GEMM shader: storage element type, whether A is read transposed
 *  (C = Aᵀ·B with A stored [K, M]), and whether B and C are accessed as vec4 (needs N, ldb, ldc and offsets ≡ 0 mod 4). */
export interface GemmVariant {
  readonly elem: 'f32' | 'f16'
  readonly transA: boolean
  readonly vec4: boolean
  readonly tile: TileConfig
}

/** Uniform block shared by the GEMM shaders (12 × 4 bytes). */
export const GEMM_PARAMS = `struct Params {
  M: u32, N: u32, K: u32, lda: u32,
  ldb: u32, ldc: u32, aOff: u32, bOff: u32,
  cOff: u32, alpha: f32, beta: f32, pad: u32,
}`

/**
 * Tiled GEMM, C = α·op(A)·B + β·C, f32 accumulation. A workgroup of wgX×wgY threads owns a bm×bn
 * block of C; each thread keeps tm×tn accumulators as vec4s. A and B tiles of depth bk are staged in
 * workgroup memory (A transposed to [bk][bm], B as vec4 [bk][bn/4]); out-of-range loads read 0 so any
 * M, N, K works. β = 0 never reads C.
 */
export const gemmWgsl = (v: GemmVariant): string => {
  const { bm, bn, bk, tm, tn, wgX, wgY } = v.tile
  const threads = wgX * wgY
  const la = (bm * bk) / threads
  const lb = (bk * bn) / 4 / threads
  const tn4 = tn / 4
  const E = v.elem
  const aIndex = v.transA ? 'gk * p.lda + gm' : 'gm * p.lda + gk'
  // notrans: k fastest (contiguous along a row of A); trans: m fastest (contiguous along a row of Aᵀ's storage)
  const aCoords = v.transA ? `let m = idx % ${bm}u; let k = idx / ${bm}u;` : `let k = idx % ${bk}u; let m = idx / ${bk}u;`
  const bLoad = v.vec4
    ? `if (gn < p.N) { v = vec4<f32>(B[(p.bOff + gk * p.ldb + gn) / 4u]); }`
    : `let base = p.bOff + gk * p.ldb + gn;
        if (gn < p.N) { v.x = f32(B[base]); }
        if (gn + 1u < p.N) { v.y = f32(B[base + 1u]); }
        if (gn + 2u < p.N) { v.z = f32(B[base + 2u]); }
        if (gn + 3u < p.N) { v.w = f32(B[base + 3u]); }`
  const store = v.vec4
    ? `if (c < p.N) {
          let o = (p.cOff + r * p.ldc + c) / 4u;
          var val = p.alpha * acc[i * ${tn4}u + j];
          if (p.beta != 0.0) { val = val + p.beta * C[o]; }
          C[o] = val;
        }`
    : `let val = p.alpha * acc[i * ${tn4}u + j];
        for (var e = 0u; e < 4u; e++) {
          if (c + e < p.N) {
            let o = p.cOff + r * p.ldc + c + e;
            var x = val[e];
            if (p.beta != 0.0) { x = x + p.beta * C[o]; }
            C[o] = x;
          }
        }`
  return /* wgsl */ `${E === 'f16' ? 'enable f16;\n' : ''}${GEMM_PARAMS}
@group(0) @binding(0) var<storage, read> A: array<${E}>;
@group(0) @binding(1) var<storage, read> B: array<${v.vec4 ? `vec4<${E}>` : E}>;
@group(0) @binding(2) var<storage, read_write> C: array<${v.vec4 ? 'vec4<f32>' : 'f32'}>;
@group(0) @binding(3) var<uniform> p: Params;

var<workgroup> As: array<f32, ${bk * bm}>;
var<workgroup> Bs: array<vec4<f32>, ${(bk * bn) / 4}>;

@compute @workgroup_size(${wgX}, ${wgY}, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) li: u32) {
  let row0 = wg.y * ${bm}u;
  let col0 = wg.x * ${bn}u;
  var acc: array<vec4<f32>, ${tm * tn4}>;
  for (var k0 = 0u; k0 < p.K; k0 = k0 + ${bk}u) {
    for (var l = 0u; l < ${la}u; l++) {
      let idx = li + l * ${threads}u;
      ${aCoords}
      let gm = row0 + m;
      let gk = k0 + k;
      var a = 0.0;
      if (gm < p.M && gk < p.K) { a = f32(A[p.aOff + ${aIndex}]); }
      As[k * ${bm}u + m] = a;
    }
    for (var l = 0u; l < ${lb}u; l++) {
      let idx = li + l * ${threads}u;
      let k = idx / ${bn / 4}u;
      let n4 = idx % ${bn / 4}u;
      let gk = k0 + k;
      let gn = col0 + n4 * 4u;
      var v = vec4<f32>(0.0);
      if (gk < p.K) {
        ${bLoad}
      }
      Bs[k * ${bn / 4}u + n4] = v;
    }
    workgroupBarrier();
    for (var k = 0u; k < ${bk}u; k++) {
      var a: array<f32, ${tm}>;
      for (var i = 0u; i < ${tm}u; i++) { a[i] = As[k * ${bm}u + lid.y + i * ${wgY}u]; }
      for (var j = 0u; j < ${tn4}u; j++) {
        let b = Bs[k * ${bn / 4}u + lid.x + j * ${wgX}u];
        for (var i = 0u; i < ${tm}u; i++) {
          acc[i * ${tn4}u + j] = fma(vec4<f32>(a[i]), b, acc[i * ${tn4}u + j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${tm}u; i++) {
    let r = row0 + lid.y + i * ${wgY}u;
    if (r < p.M) {
      for (var j = 0u; j < ${tn4}u; j++) {
        let c = col0 + (lid.x + j * ${wgX}u) * 4u;
        ${store}
      }
    }
  }
}
`
}
