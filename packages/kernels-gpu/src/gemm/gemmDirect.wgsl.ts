import { GEMM_PARAMS, type GemmVariant } from './gemm.wgsl.js'

/**
 * Register-blocked GEMM without workgroup memory, for software adapters (lavapipe, SwiftShader) where
 * barriers are expensive and the CPU caches do the tiling: each invocation computes 4×4 outputs,
 * reading 4 elements of 4 rows of op(A) and 4 vec4 rows of B per step of 4 along K.
 * Rows and columns past the edge are clamped on load and skipped on store.
 */
export const gemmDirectWgsl = (v: Omit<GemmVariant, 'tile'> & { readonly wgX: number; readonly wgY: number }): string => {
  const E = v.elem
  const a = (r: string, k: string) => (v.transA ? `f32(A[p.aOff + (${k}) * p.lda + ${r}])` : `f32(A[p.aOff + ${r} * p.lda + (${k})])`)
  const bRow = (k: string) => v.vec4
    ? `vec4<f32>(B[(p.bOff + (${k}) * p.ldb + c0) / 4u])`
    : `vec4<f32>(f32(B[p.bOff + (${k}) * p.ldb + cc.x]), f32(B[p.bOff + (${k}) * p.ldb + cc.y]), f32(B[p.bOff + (${k}) * p.ldb + cc.z]), f32(B[p.bOff + (${k}) * p.ldb + cc.w]))`
  const store = v.vec4
    ? `if (c0 < p.N) {
      let o = (p.cOff + r * p.ldc + c0) / 4u;
      var val = p.alpha * acc[i];
      if (p.beta != 0.0) { val = val + p.beta * C[o]; }
      C[o] = val;
    }`
    : `for (var e = 0u; e < 4u; e++) {
      if (c0 + e < p.N) {
        let o = p.cOff + r * p.ldc + c0 + e;
        var x = p.alpha * acc[i][e];
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
  let c0 = gid.x * 4u;
  let r0 = gid.y * 4u;
  if (c0 >= p.N || r0 >= p.M) { return; }
  let lastRow = p.M - 1u;
  let rr = vec4<u32>(r0, min(r0 + 1u, lastRow), min(r0 + 2u, lastRow), min(r0 + 3u, lastRow));
  let lastCol = p.N - 1u;
  let cc = vec4<u32>(c0, min(c0 + 1u, lastCol), min(c0 + 2u, lastCol), min(c0 + 3u, lastCol));
  var acc: array<vec4<f32>, 4>;
  var acc0 = vec4<f32>(0.0); var acc1 = vec4<f32>(0.0); var acc2 = vec4<f32>(0.0); var acc3 = vec4<f32>(0.0);
  let k4 = p.K & ~3u;
  for (var k = 0u; k < k4; k = k + 4u) {
    let b0 = ${bRow('k')};
    let b1 = ${bRow('k + 1u')};
    let b2 = ${bRow('k + 2u')};
    let b3 = ${bRow('k + 3u')};
${[0, 1, 2, 3].map((i) => `    acc${i} = fma(vec4<f32>(${a(`rr[${i}]`, 'k')}), b0, acc${i});
    acc${i} = fma(vec4<f32>(${a(`rr[${i}]`, 'k + 1u')}), b1, acc${i});
    acc${i} = fma(vec4<f32>(${a(`rr[${i}]`, 'k + 2u')}), b2, acc${i});
    acc${i} = fma(vec4<f32>(${a(`rr[${i}]`, 'k + 3u')}), b3, acc${i});`).join('\n')}
  }
  for (var k = k4; k < p.K; k++) {
    let b = ${bRow('k')};
${[0, 1, 2, 3].map((i) => `    acc${i} = fma(vec4<f32>(${a(`rr[${i}]`, 'k')}), b, acc${i});`).join('\n')}
  }
  acc[0] = acc0; acc[1] = acc1; acc[2] = acc2; acc[3] = acc3;
  for (var i = 0u; i < 4u; i++) {
    let r = r0 + i;
    if (r >= p.M) { break; }
    ${store}
  }
}
`
}
