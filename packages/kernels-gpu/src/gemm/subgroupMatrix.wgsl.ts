import { GEMM_PARAMS } from './gemm.wgsl.js'

/** Which spelling of the load/store builtins the compiler accepts: Dawn changed it from a `col_major: bool`
 *  argument (`subgroupMatrixLoad<T>(p, off, false, stride)`) to a template enumerant (`subgroupMatrixLoad<T, row_major>(p, off, stride)`). */
export type SubgroupMatrixSyntax = 'bool-arg' | 'template'

export interface SubgroupMatrixVariant {
  readonly m0: number
  readonly n0: number
  readonly k0: number
  /** fragments per subgroup along M and N */
  readonly tm: number
  readonly tn: number
  /** invocations per workgroup = the adapter's maximum subgroup size (one subgroup per workgroup) */
  readonly wg: number
  readonly transA: boolean
  readonly syntax: SubgroupMatrixSyntax
}

/**
 * GEMM on tensor cores through `chromium_experimental_subgroup_matrix`: f16 operands, f32 accumulators.
 * One subgroup per workgroup computes a (tm·m0)×(tn·n0) block of C from tm left and tn right fragments per
 * k0-step, loaded straight from storage (row-major A, or column-major for Aᵀ; row-major B). Sizes must be
 * multiples of the fragment shape (checked by the caller). If the device runs a smaller subgroup than its
 * maximum, several subgroups compute the same block and store identical values.
 * UNTESTED ON HARDWARE: written from Dawn's feature document; lavapipe does not expose the feature.
 */
export const subgroupMatrixWgsl = (v: SubgroupMatrixVariant): string => {
  const L = `subgroup_matrix_left<f16, ${v.k0}, ${v.m0}>`
  const R = `subgroup_matrix_right<f16, ${v.n0}, ${v.k0}>`
  const Res = `subgroup_matrix_result<f32, ${v.n0}, ${v.m0}>`
  const load = (T: string, ptr: string, off: string, colMajor: boolean, stride: string) => v.syntax === 'template'
    ? `subgroupMatrixLoad<${T}, ${colMajor ? 'col_major' : 'row_major'}>(${ptr}, ${off}, ${stride})`
    : `subgroupMatrixLoad<${T}>(${ptr}, ${off}, ${colMajor}, ${stride})`
  const store = (ptr: string, off: string, val: string, stride: string) => v.syntax === 'template'
    ? `subgroupMatrixStore<row_major>(${ptr}, ${off}, ${val}, ${stride})`
    : `subgroupMatrixStore(${ptr}, ${off}, ${val}, false, ${stride})`
  const I = Array.from({ length: v.tm }, (_, i) => i), J = Array.from({ length: v.tn }, (_, j) => j)
  const aOff = (i: number) => v.transA
    ? `p.aOff + k * p.lda + row0 + ${i * v.m0}u`
    : `p.aOff + (row0 + ${i * v.m0}u) * p.lda + k`
  const cOff = (i: number, j: number) => `p.cOff + (row0 + ${i * v.m0}u) * p.ldc + col0 + ${j * v.n0}u`
  return /* wgsl */ `enable f16;
enable chromium_experimental_subgroup_matrix;
${GEMM_PARAMS}
@group(0) @binding(0) var<storage, read> A: array<f16>;
@group(0) @binding(1) var<storage, read> B: array<f16>;
@group(0) @binding(2) var<storage, read_write> C: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(${v.wg}, 1, 1)
fn main(@builtin(workgroup_id) wg: vec3<u32>) {
  let row0 = wg.y * ${v.tm * v.m0}u;
  let col0 = wg.x * ${v.tn * v.n0}u;
${I.flatMap((i) => J.map((j) => `  var acc${i}_${j} = ${Res}();`)).join('\n')}
  if (p.beta != 0.0) {
${I.flatMap((i) => J.map((j) => `    acc${i}_${j} = subgroupMatrixScalarMultiply(${load(Res, '&C', cOff(i, j), false, 'p.ldc')}, p.beta);`)).join('\n')}
  }
  for (var k = 0u; k < p.K; k = k + ${v.k0}u) {
${I.map((i) => `    let a${i} = ${load(L, '&A', aOff(i), v.transA, 'p.lda')};`).join('\n')}
${J.map((j) => `    let b${j} = ${load(R, '&B', `p.bOff + k * p.ldb + col0 + ${j * v.n0}u`, false, 'p.ldb')};`).join('\n')}
${I.flatMap((i) => J.map((j) => `    acc${i}_${j} = subgroupMatrixMultiplyAccumulate(a${i}, b${j}, acc${i}_${j});`)).join('\n')}
  }
${I.flatMap((i) => J.map((j) => `  ${store('&C', cOff(i, j), `subgroupMatrixScalarMultiply(acc${i}_${j}, p.alpha)`, 'p.ldc')};`)).join('\n')}
}
`
}
