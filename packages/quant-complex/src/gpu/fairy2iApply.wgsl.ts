/** Workgroup size of the Fairy2i apply kernel (one invocation per output row pair and input vector). */
export const FAIRY2I_WG = 64

/** Shader key of the kernel: source id, dtype, workgroup, code layout. */
export const fairy2iShaderKey = `fairy2i-apply:f32:wg${FAIRY2I_WG}:u32x16codes`

/**
 * WGSL of the multiplication-free apply: invocation (j, b) makes the four signed sums of row j for each matrix q
 * (U₀, W₀, U₁, …) over its u32 words of 16 codes (additions and sign selects only), applies the two scales of q once,
 * and writes y[b, j] = Re y_c[j], y[b, n + j] = Im y_c[j]. Codes: [mats][n][rowWords] u32, little end first.
 */
export const fairy2iApplyWgsl = /* wgsl */ `
struct Params { n: u32, m: u32, rowWords: u32, mats: u32, batch: u32, ldx: u32, ldy: u32, pad: u32 }
@group(0) @binding(0) var<storage, read> codes: array<u32>;
@group(0) @binding(1) var<storage, read> scales: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> P: Params;

@compute @workgroup_size(${FAIRY2I_WG})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let b = gid.y;
  if (j >= P.n || b >= P.batch) { return; }
  let xo = b * P.ldx;
  var yre = 0.0;
  var yim = 0.0;
  for (var q = 0u; q < P.mats; q++) {
    var sar = 0.0; var sbr = 0.0; var sai = 0.0; var sbi = 0.0;
    let base = (q * P.n + j) * P.rowWords;
    for (var w = 0u; w < P.rowWords; w++) {
      let word = codes[base + w];
      let k0 = w * 16u;
      let cnt = min(16u, P.m - k0);
      for (var i = 0u; i < cnt; i++) {
        let c = (word >> (2u * i)) & 3u;
        let neg = (c & 2u) != 0u;
        let a = x[xo + k0 + i];
        let bb = x[xo + P.m + k0 + i];
        let sa = select(a, -a, neg);
        let sb = select(bb, -bb, neg);
        if ((c & 1u) == 0u) { sar += sa; sbr += sb; } else { sai += sa; sbi += sb; }
      }
    }
    let sRe = scales[2u * q];
    let sIm = scales[2u * q + 1u];
    if ((q & 1u) == 0u) { yre += sRe * sar - sIm * sbi; yim += sRe * sbr + sIm * sai; }
    else { yre += sRe * sar + sIm * sbi; yim += sIm * sai - sRe * sbr; }
  }
  y[b * P.ldy + j] = yre;
  y[b * P.ldy + P.n + j] = yim;
}
`
