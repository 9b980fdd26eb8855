/** Uniform block of the GEMV shaders (8 × 4 bytes). M, N: rows and columns of the stored A. */
export const GEMV_PARAMS = `struct Params {
  M: u32, N: u32, lda: u32, aOff: u32,
  xOff: u32, yOff: u32, alpha: f32, beta: f32,
}`

/** y = α·A·x + β·y: one workgroup of 256 threads per row, strided partial sums, tree reduction in workgroup memory. */
export const gemvRowsWgsl = (elem: 'f32' | 'f16'): string => /* wgsl */ `${elem === 'f16' ? 'enable f16;\n' : ''}${GEMV_PARAMS}
@group(0) @binding(0) var<storage, read> A: array<${elem}>;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;
var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let row = wg.x + wg.y * 65535u;
  var s = 0.0;
  if (row < p.M) {
    let base = p.aOff + row * p.lda;
    for (var j = li; j < p.N; j = j + 256u) { s = fma(f32(A[base + j]), X[p.xOff + j], s); }
  }
  part[li] = s;
  workgroupBarrier();
  for (var w = 128u; w > 0u; w = w >> 1u) {
    if (li < w) { part[li] = part[li] + part[li + w]; }
    workgroupBarrier();
  }
  if (li == 0u && row < p.M) {
    var v = p.alpha * part[0];
    if (p.beta != 0.0) { v = v + p.beta * Y[p.yOff + row]; }
    Y[p.yOff + row] = v;
  }
}
`

/** y = α·Aᵀ·x + β·y: one thread per output (a column of the stored A), reads coalesced along rows. */
export const gemvColsWgsl = (elem: 'f32' | 'f16'): string => /* wgsl */ `${elem === 'f16' ? 'enable f16;\n' : ''}${GEMV_PARAMS}
@group(0) @binding(0) var<storage, read> A: array<${elem}>;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= p.N) { return; }
  var s = 0.0;
  for (var i = 0u; i < p.M; i++) { s = fma(f32(A[p.aOff + i * p.lda + j]), X[p.xOff + i], s); }
  var v = p.alpha * s;
  if (p.beta != 0.0) { v = v + p.beta * Y[p.yOff + j]; }
  Y[p.yOff + j] = v;
}
`
