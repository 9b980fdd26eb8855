// Generates the WebAssembly text of the GEMM macro/micro kernels (f32 and f64).
// Run by scripts/build-wasm.ts at build time; the output is compiled with wabt into bytes that
// src/internal/wasm/kernels.generated.ts embeds. Plain, erasable TypeScript (Node type stripping).
//
// Layout contract (shared with src/internal/wasm/gemmWasm.ts):
// - packed A sliver: MR rows × kc, stored k-major: a[kk*MR + r]      (MR consecutive elements per k)
// - packed B sliver: kc × NR cols, stored k-major: b[kk*NR + j]      (NR consecutive elements per k)
// - a packed A block of mc rows is mc/MR slivers one after another (stride MR*kc elements);
//   a packed B panel of nc cols is nc/NR slivers one after another (stride NR*kc elements).
// - or "direct" operands, copied row by row (memcpy) instead of packed: A rows with a row stride
//   (k contiguous), B rows with a row stride (NR-wide slivers are then just column offsets).
// - C is row-major with leading dimension ldc (elements), padded so that every tile is full.
// macro_<t>(...): C[mc×nc] (+)= A_block · B_panel; first=1 overwrites.

export interface KernelShape {
  readonly dtype: 'f32' | 'f64'
  readonly mr: number
  readonly nr: number
  readonly fma: boolean
  readonly unroll: number
}

const lanesOf = (dtype: 'f32' | 'f64'): number => (dtype === 'f32' ? 4 : 2)
const bytesOf = (dtype: 'f32' | 'f64'): number => (dtype === 'f32' ? 4 : 8)

const microKernel = (s: KernelShape, isDirectA: boolean): string => {
  const { dtype, mr, nr, fma, unroll } = s
  const lanes = lanesOf(dtype)
  const es = bytesOf(dtype)
  const vt = dtype === 'f32' ? 'f32x4' : 'f64x2'
  const splat = dtype === 'f32' ? 'v128.load32_splat' : 'v128.load64_splat'
  const nv = nr / lanes
  const acc = (r: number, v: number): string => `$c${r}_${v}`
  const lines: string[] = []
  // packed A: element (r, kk) at a + (kk·MR + r)·es; direct A: at a_r + kk·es, a_r = a + r·lda (bytes)
  lines.push(`(func $uk_${dtype}_${isDirectA ? 'd' : 'p'} (param $a i32) (param $lda i32) (param $b i32) (param $bks i32) (param $c i32) (param $kc i32) (param $ldc i32) (param $first i32)`)
  for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) lines.push(`  (local ${acc(r, v)} v128)`)
  for (let v = 0; v < nv; v++) lines.push(`  (local $b${v} v128)`)
  lines.push('  (local $av v128) (local $n4 i32)')
  if (isDirectA) {
    for (let r = 1; r < mr; r++) lines.push(`  (local $a${r} i32)`)
    for (let r = 1; r < mr; r++) lines.push(`  (local.set $a${r} (i32.add (local.get $a) (i32.mul (local.get $lda) (i32.const ${r}))))`)
  }
  const aPtr = (r: number): string => (isDirectA && r > 0 ? `$a${r}` : '$a')
  const step = (kk: number): string[] => {
    const out: string[] = []
    for (let v = 0; v < nv; v++) out.push(`    (local.set $b${v} (v128.load offset=${v * lanes * es} align=4 (local.get $b)))`)
    for (let r = 0; r < mr; r++) {
      const off = isDirectA ? kk * es : (kk * mr + r) * es
      out.push(`    (local.set $av (${splat} offset=${off} (local.get ${aPtr(r)})))`)
      for (let v = 0; v < nv; v++) {
        out.push(fma
          ? `    (local.set ${acc(r, v)} (${vt}.relaxed_madd (local.get $av) (local.get $b${v}) (local.get ${acc(r, v)})))`
          : `    (local.set ${acc(r, v)} (${vt}.add (local.get ${acc(r, v)}) (${vt}.mul (local.get $av) (local.get $b${v}))))`)
      }
      // B advances after its loads (per k step, runtime stride: packed NR·es or a row of direct B)
    }
    out.push('    (local.set $b (i32.add (local.get $b) (local.get $bks)))')
    return out
  }
  const advanceA = (k: number): string[] => (isDirectA
    ? Array.from({ length: mr }, (_, r) => `    (local.set ${aPtr(r)} (i32.add (local.get ${aPtr(r)}) (i32.const ${k * es})))`)
    : [`    (local.set $a (i32.add (local.get $a) (i32.const ${k * mr * es})))`])
  lines.push(`  (local.set $n4 (i32.div_u (local.get $kc) (i32.const ${unroll})))`)
  lines.push('  (if (local.get $n4) (then (loop $ku')
  for (let kk = 0; kk < unroll; kk++) lines.push(...step(kk))
  lines.push(...advanceA(unroll))
  lines.push('    (local.set $n4 (i32.sub (local.get $n4) (i32.const 1)))')
  lines.push('    (br_if $ku (local.get $n4)))))')
  if (unroll > 1) {
    lines.push(`  (local.set $kc (i32.rem_u (local.get $kc) (i32.const ${unroll})))`)
    lines.push('  (if (local.get $kc) (then (loop $k1')
    lines.push(...step(0))
    lines.push(...advanceA(1))
    lines.push('    (local.set $kc (i32.sub (local.get $kc) (i32.const 1)))')
    lines.push('    (br_if $k1 (local.get $kc)))))')
  }
  // write back: row r at c + r*ldc*es
  lines.push(`  (local.set $ldc (i32.mul (local.get $ldc) (i32.const ${es})))`)
  lines.push('  (if (local.get $first) (then')
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < nv; v++) lines.push(`    (v128.store offset=${v * lanes * es} align=4 (local.get $c) (local.get ${acc(r, v)}))`)
    if (r < mr - 1) lines.push('    (local.set $c (i32.add (local.get $c) (local.get $ldc)))')
  }
  lines.push('  ) (else')
  for (let r = 0; r < mr; r++) {
    for (let v = 0; v < nv; v++) {
      lines.push(`    (v128.store offset=${v * lanes * es} align=4 (local.get $c) (${vt}.add (v128.load offset=${v * lanes * es} align=4 (local.get $c)) (local.get ${acc(r, v)})))`)
    }
    if (r < mr - 1) lines.push('    (local.set $c (i32.add (local.get $c) (local.get $ldc)))')
  }
  lines.push('  )))')
  return lines.join('\n')
}

/** macro_<t>(pa, pb, c, mc, nc, kc, ldc, first, ais, bjs, bks, lda): loops the B slivers (outer,
 *  step bjs bytes) and the A slivers (inner, step ais bytes); lda = 0 selects the packed-A
 *  micro-kernel, else A is read in place with that row stride (bytes); bks = B's k step (bytes). */
const macroKernel = (s: KernelShape): string => {
  const { dtype, mr, nr } = s
  const es = bytesOf(dtype)
  return `(func (export "macro_${dtype}") (param $pa i32) (param $pb i32) (param $c i32) (param $mc i32) (param $nc i32) (param $kc i32) (param $ldc i32) (param $first i32) (param $ais i32) (param $bjs i32) (param $bks i32) (param $lda i32)
  (local $j i32) (local $i i32) (local $bj i32) (local $cj i32) (local $ai i32) (local $ci i32) (local $cstep i32)
  (local.set $cstep (i32.mul (local.get $ldc) (i32.const ${mr * es})))
  (local.set $bj (local.get $pb))
  (local.set $cj (local.get $c))
  (local.set $j (i32.const 0))
  (block $jdone (loop $jl
    (br_if $jdone (i32.ge_u (local.get $j) (local.get $nc)))
    (local.set $ai (local.get $pa))
    (local.set $ci (local.get $cj))
    (local.set $i (i32.const 0))
    (block $idone (loop $il
      (br_if $idone (i32.ge_u (local.get $i) (local.get $mc)))
      (if (local.get $lda)
        (then (call $uk_${dtype}_d (local.get $ai) (local.get $lda) (local.get $bj) (local.get $bks) (local.get $ci) (local.get $kc) (local.get $ldc) (local.get $first)))
        (else (call $uk_${dtype}_p (local.get $ai) (i32.const 0) (local.get $bj) (local.get $bks) (local.get $ci) (local.get $kc) (local.get $ldc) (local.get $first))))
      (local.set $ai (i32.add (local.get $ai) (local.get $ais)))
      (local.set $ci (i32.add (local.get $ci) (local.get $cstep)))
      (local.set $i (i32.add (local.get $i) (i32.const ${mr})))
      (br $il)))
    (local.set $bj (i32.add (local.get $bj) (local.get $bjs)))
    (local.set $cj (i32.add (local.get $cj) (i32.const ${nr * es})))
    (local.set $j (i32.add (local.get $j) (i32.const ${nr})))
    (br $jl)))
)`
}

/** Byte lanes of an i8x16.shuffle that picks element lanes `lanes` (of `es` bytes; ≥ 16/es = second operand). */
const byteLanes = (lanes: readonly number[], es: number): string => lanes.flatMap((l) => Array.from({ length: es }, (_, b) => l * es + b)).join(' ')

/** packt_<t>_<W>(src, ld, dst, kc, nsl): packs nsl slivers of W lines (lines along k, `ld` bytes
 *  apart; sliver s = lines s·W … s·W+W−1) into dst k-major: dst[(s·kc + kk)·W + r] = line_{s·W+r}[kk].
 *  SIMD transposes of 4×4 (f32) / 2×2 (f64) blocks, a scalar loop for the last kc mod lanes. */
const packTransposeWat = (dtype: 'f32' | 'f64', w: number): string => {
  const es = bytesOf(dtype), lanes = lanesOf(dtype), groups = w / lanes
  const body: string[] = []
  for (let g = 0; g < groups; g++) {
    for (let r = 0; r < lanes; r++) body.push(`      (local.set $v${r} (v128.load align=4 (i32.add (local.get $p) (i32.mul (local.get $ld) (i32.const ${g * lanes + r})))))`)
    if (lanes === 4) {
      body.push(`      (local.set $t0 (i8x16.shuffle ${byteLanes([0, 4, 1, 5], 4)} (local.get $v0) (local.get $v1)))`)
      body.push(`      (local.set $t1 (i8x16.shuffle ${byteLanes([2, 6, 3, 7], 4)} (local.get $v0) (local.get $v1)))`)
      body.push(`      (local.set $t2 (i8x16.shuffle ${byteLanes([0, 4, 1, 5], 4)} (local.get $v2) (local.get $v3)))`)
      body.push(`      (local.set $t3 (i8x16.shuffle ${byteLanes([2, 6, 3, 7], 4)} (local.get $v2) (local.get $v3)))`)
      const outs = [['$t0', '$t2', [0, 1, 4, 5]], ['$t0', '$t2', [2, 3, 6, 7]], ['$t1', '$t3', [0, 1, 4, 5]], ['$t1', '$t3', [2, 3, 6, 7]]] as const
      outs.forEach(([x, y, l], i) => body.push(`      (v128.store offset=${(i * w + g * lanes) * es} align=4 (local.get $d) (i8x16.shuffle ${byteLanes(l, 4)} (local.get ${x}) (local.get ${y})))`))
    } else {
      body.push(`      (v128.store offset=${g * lanes * es} align=8 (local.get $d) (i8x16.shuffle ${byteLanes([0, 2], 8)} (local.get $v0) (local.get $v1)))`)
      body.push(`      (v128.store offset=${(w + g * lanes) * es} align=8 (local.get $d) (i8x16.shuffle ${byteLanes([1, 3], 8)} (local.get $v0) (local.get $v1)))`)
    }
  }
  const tail: string[] = []
  for (let r = 0; r < w; r++) tail.push(`      (${dtype}.store offset=${r * es} (local.get $d) (${dtype}.load (i32.add (local.get $p) (i32.mul (local.get $ld) (i32.const ${r})))))`)
  return `(func (export "packt_${dtype}_${w}") (param $src i32) (param $ld i32) (param $dst i32) (param $kc i32) (param $nsl i32)
  (local $s i32) (local $kk i32) (local $p i32) (local $d i32) (local $kv i32)
  (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
  (local.set $kv (i32.and (local.get $kc) (i32.const ${-lanes})))
  (local.set $d (local.get $dst))
  (block $sdone (loop $sl
    (br_if $sdone (i32.ge_u (local.get $s) (local.get $nsl)))
    (local.set $p (i32.add (local.get $src) (i32.mul (local.get $s) (i32.mul (local.get $ld) (i32.const ${w})))))
    (local.set $kk (i32.const 0))
    (block $kdone (loop $kl
      (br_if $kdone (i32.ge_u (local.get $kk) (local.get $kv)))
${body.join('\n')}
      (local.set $p (i32.add (local.get $p) (i32.const ${lanes * es})))
      (local.set $d (i32.add (local.get $d) (i32.const ${lanes * w * es})))
      (local.set $kk (i32.add (local.get $kk) (i32.const ${lanes})))
      (br $kl)))
    (block $tdone (loop $tl
      (br_if $tdone (i32.ge_u (local.get $kk) (local.get $kc)))
${tail.join('\n')}
      (local.set $p (i32.add (local.get $p) (i32.const ${es})))
      (local.set $d (i32.add (local.get $d) (i32.const ${w * es})))
      (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
      (br $tl)))
    (local.set $s (i32.add (local.get $s) (i32.const 1)))
    (br $sl)))
)`
}

/** packc_<t>_<W>(src, ld, dst, kc, nsl): packs from lines along the sliver direction (line kk at
 *  src + kk·ld bytes): dst[(s·kc + kk)·W + r] = line_kk[s·W + r] — W contiguous elements per copy. */
const packCopyWat = (dtype: 'f32' | 'f64', w: number): string => {
  const es = bytesOf(dtype), nv = (w * es) / 16
  const copy = Array.from({ length: nv }, (_, v) => `      (v128.store offset=${v * 16} align=4 (local.get $d) (v128.load offset=${v * 16} align=4 (local.get $p)))`)
  return `(func (export "packc_${dtype}_${w}") (param $src i32) (param $ld i32) (param $dst i32) (param $kc i32) (param $nsl i32)
  (local $s i32) (local $kk i32) (local $p i32) (local $d i32)
  (local.set $d (local.get $dst))
  (block $sdone (loop $sl
    (br_if $sdone (i32.ge_u (local.get $s) (local.get $nsl)))
    (local.set $p (i32.add (local.get $src) (i32.mul (local.get $s) (i32.const ${w * es}))))
    (local.set $kk (i32.const 0))
    (block $kdone (loop $kl
      (br_if $kdone (i32.ge_u (local.get $kk) (local.get $kc)))
${copy.join('\n')}
      (local.set $p (i32.add (local.get $p) (local.get $ld)))
      (local.set $d (i32.add (local.get $d) (i32.const ${w * es})))
      (local.set $kk (i32.add (local.get $kk) (i32.const 1)))
      (br $kl)))
    (local.set $s (i32.add (local.get $s) (i32.const 1)))
    (br $sl)))
)`
}

const packWat = (s: KernelShape): string => [...new Set([s.mr, s.nr])].flatMap((w) => [packTransposeWat(s.dtype, w), packCopyWat(s.dtype, w)]).join('\n')

/** The whole module: imports a shared memory `env.memory`, exports macro_f32 and macro_f64. */
export const gemmModuleWat = (f32: KernelShape, f64: KernelShape, maxPages: number): string => `(module
  (import "env" "memory" (memory 1 ${maxPages} shared))
${microKernel(f32, false)}
${microKernel(f32, true)}
${macroKernel(f32)}
${microKernel(f64, false)}
${microKernel(f64, true)}
${macroKernel(f64)}
${packWat(f32)}
${packWat(f64)}
)`

/** Register-blocking shapes, chosen by measurement on Node 22 / x64 (V8 keeps 16 xmm registers
 *  and needs scratch ones): 4×8 f32 and 4×4 f64 with no k-unrolling ran fastest for both the relaxed
 *  FMA and the plain mul+add kernels (6×8, 5×8 and unrolled loops spilled and ran at half speed). */
export const SHAPES = {
  relaxed: { f32: { dtype: 'f32', mr: 4, nr: 8, fma: true, unroll: 1 }, f64: { dtype: 'f64', mr: 4, nr: 4, fma: true, unroll: 1 } },
  simd: { f32: { dtype: 'f32', mr: 4, nr: 8, fma: false, unroll: 1 }, f64: { dtype: 'f64', mr: 4, nr: 4, fma: false, unroll: 1 } },
} as const satisfies Record<string, { f32: KernelShape; f64: KernelShape }>
