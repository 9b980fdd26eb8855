import { GEMM_PARAMS, type GemmVariant } from './gemm.wgsl.js'

/**
 * Register-blocked GEMM without workgroup memory, for software adapters (lavapipe, SwiftShader) where
 * barriers are expensive and the CPU caches do the tiling: each invocation computes tm×tn outputs
 * (tn a multiple of 4, as vec4s), fully unrolled, reading tm elements of op(A) and tn/4 vec4s of B per
 * step along K. Rows and columns past the edge are clamped on load and skipped on store.
 */
export const gemmDirectWgsl = (v: Omit<GemmVariant, 'tile'> & { readonly wgX: number; readonly wgY: number; readonly tm: number; readonly tn: number }): string => {
  const E = v.elem, tm = v.tm, tn4 = v.tn / 4
  const I = Array.from({ length: tm }, (_, i) => i), J = Array.from({ length: tn4 }, (_, j) => j)
  const aLoad = (i: number) => (v.transA ? `f32(A[p.aOff + k * p.lda + ri${i}])` : `f32(A[p.aOff + ri${i} * p.lda + k])`)
  const bLoad = (j: number) => v.vec4
    ? `vec4<f32>(B[(p.bOff + k * p.ldb + c0 + ${4 * j}u) / 4u])`
    : `vec4<f32>(${[0, 1, 2, 3].map((e) => `f32(B[p.bOff + k * p.ldb + min(c0 + ${4 * j + e}u, lastCol)])`).join(', ')})`
  const store = (i: number, j: number) => v.vec4
    ? `if (c0 + ${4 * j}u < p.N) {
        let o = (p.cOff + r * p.ldc + c0 + ${4 * j}u) / 4u;
        var val = p.alpha * acc${i}_${j};
        if (p.beta != 0.0) { val = val + p.beta * C[o]; }
        C[o] = val;
      }`
    : `for (var e = 0u; e < 4u; e++) {
        let c = c0 + ${4 * j}u + e;
        if (c < p.N) {
          let o = p.cOff + r * p.ldc + c;
          var x = p.alpha * acc${i}_${j}[e];
          if (p.beta != 0.0) { x = x + p.beta * C[o]; }
          C[o] = x;
        }
      }`
  return /* wgsl */ `${E === 'f16' ? 'enable f16;\n' : ''}${GEMM_PARAMS}
@group(0) @binding(0) var<storage, read> A: array<${E}>;
@group(0) @binding(1) var<storage, read> B: array<${v.vec4 ? `vec4<${E}>` : E}>;
@group(0) @binding(2) var<storage, read_write> C: array<${v.vec4 ? 'vec4<f32>' : 'f32'}>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(${v.wgX}, ${v.wgY}, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let c0 = gid.x * ${4 * tn4}u;
  let r0 = gid.y * ${tm}u;
  if (c0 >= p.N || r0 >= p.M) { return; }
  let lastRow = p.M - 1u;
  let lastCol = p.N - 1u;
${I.map((i) => `  let ri${i} = min(r0 + ${i}u, lastRow);`).join('\n')}
${I.flatMap((i) => J.map((j) => `  var acc${i}_${j} = vec4<f32>(0.0);`)).join('\n')}
  for (var k = 0u; k < p.K; k++) {
${J.map((j) => `    let b${j} = ${bLoad(j)};`).join('\n')}
${I.map((i) => `    let a${i} = vec4<f32>(${aLoad(i)});\n${J.map((j) => `    acc${i}_${j} = fma(a${i}, b${j}, acc${i}_${j});`).join('\n')}`).join('\n')}
  }
${I.map((i) => `  if (r0 + ${i}u < p.M) {
    let r = r0 + ${i}u;
${J.map((j) => `    ${store(i, j)}`).join('\n')}
  }`).join('\n')}
}
`
}
