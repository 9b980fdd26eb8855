/** Uniform block of the packed-weight matmul (8 × 4 bytes). n: rows of X; outDim, cols: the stored W [outDim, cols];
 *  group: int-k group size or codebook block size; gpr: groups per row (int-k); tOff: where the zero points
 *  (int-k) or the 16 codebook levels (codebook4) start in T. */
export const PACKED_PARAMS = `struct Params {
  n: u32, outDim: u32, cols: u32, bits: u32,
  group: u32, gpr: u32, tOff: u32, pad: u32,
}`

/** TILE × TILE outputs per workgroup (one per thread), K stepped by TILE through workgroup memory. */
export const PACKED_TILE = 16

const decodeInt = /* wgsl */ `
// code i = o·cols + j occupies bits [i·k, i·k + k) of the little-endian stream (lsb-first); ŵ = (q − z)·s
fn decode(o: u32, j: u32) -> f32 {
  let pos = (o * p.cols + j) * p.bits;
  let w = pos >> 5u;
  let sh = pos & 31u;
  var c = C[w] >> sh;
  if (sh + p.bits > 32u) { c = c | (C[w + 1u] << (32u - sh)); }
  c = c & ((1u << p.bits) - 1u);
  let g = o * p.gpr + j / p.group;
  return (f32(c) - T[p.tOff + g]) * T[g];
}
`

const decodeCodebook4 = /* wgsl */ `
// element i = o·cols + j: byte i/2, the first element of a byte in its high nibble (msb-first);
// ŵ = codebook[q]·absmax[i / blockSize] over the row-major flattened weight
fn decode(o: u32, j: u32) -> f32 {
  let i = o * p.cols + j;
  let b = i >> 1u;
  let sh = (b & 3u) * 8u + select(0u, 4u, (i & 1u) == 0u);
  let c = (C[b >> 2u] >> sh) & 15u;
  return T[p.tOff + c] * T[i / p.group];
}
`

/** Y[n, outDim] = X[n, cols]·Ŵᵀ with Ŵ decoded from packed u32 words while a TILE × TILE tile of it is staged in
 *  workgroup memory (each weight decoded once per workgroup); f32 accumulation with fma, in order of j. */
export const packedMatmulWgsl = (format: 'int' | 'codebook4'): string => /* wgsl */ `${PACKED_PARAMS}
@group(0) @binding(0) var<storage, read> X: array<f32>;
@group(0) @binding(1) var<storage, read> C: array<u32>;
@group(0) @binding(2) var<storage, read> T: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
var<workgroup> xs: array<array<f32, ${PACKED_TILE + 1}>, ${PACKED_TILE}>;
var<workgroup> ws: array<array<f32, ${PACKED_TILE + 1}>, ${PACKED_TILE}>;
${format === 'int' ? decodeInt : decodeCodebook4}
@compute @workgroup_size(${PACKED_TILE}, ${PACKED_TILE}, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let o0 = wg.x * ${PACKED_TILE}u;
  let r0 = wg.y * ${PACKED_TILE}u;
  let tx = lid.x;
  let ty = lid.y;
  var acc = 0.0;
  for (var k0 = 0u; k0 < p.cols; k0 = k0 + ${PACKED_TILE}u) {
    let kk = k0 + tx;
    var xv = 0.0;
    var wv = 0.0;
    if (kk < p.cols) {
      if (r0 + ty < p.n) { xv = X[(r0 + ty) * p.cols + kk]; }
      if (o0 + ty < p.outDim) { wv = decode(o0 + ty, kk); }
    }
    xs[ty][tx] = xv;
    ws[ty][tx] = wv;
    workgroupBarrier();
    for (var k = 0u; k < ${PACKED_TILE}u; k = k + 1u) { acc = fma(xs[ty][k], ws[tx][k], acc); }
    workgroupBarrier();
  }
  if (r0 + ty < p.n && o0 + tx < p.outDim) { Y[(r0 + ty) * p.outDim + o0 + tx] = acc; }
}
`
