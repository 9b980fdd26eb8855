// Generates the WebAssembly text of the bidiagonalization panel kernels (LAPACK dlabrd's two long
// matrix–vector products per column), f64, plain SIMD (f64x2 mul + add: memory-bound, FMA gains
// nothing here and plain SIMD runs everywhere). Run by scripts/build-panel-wasm.ts at build time.
//
// Layout contract (shared with src/internal/wasm/panelGemv.ts): every pointer and stride is in BYTES
// into the module's own memory; A is row-major with row stride lda (any 8-byte aligned offset: v128
// loads are unaligned-safe).
// gemv_t_f64(a, lda, rows, cols, u, incu, y, alpha, beta):  y[0:cols] = alpha·Σ_r u[r]·A[r, 0:cols] + beta·y
// gemv_n_f64(a, lda, rows, cols, w, x, incx, alpha, beta):  x[r] = alpha·Σ_j A[r, j]·w[j] + beta·x[r]
// (beta is 0 or 1; beta = 0 never reads the old output)

const ROWS = 4

const gemvT = (): string => {
  const L: string[] = []
  L.push('(func $gemv_t_f64 (export "gemv_t_f64") (param $a i32) (param $lda i32) (param $rows i32) (param $cols i32) (param $u i32) (param $incu i32) (param $y i32) (param $alpha f64) (param $beta i32)')
  L.push('  (local $r i32) (local $j i32) (local $cb i32) (local $c2 i32) (local $p i32)')
  for (let r = 0; r < ROWS; r++) L.push(`  (local $a${r} i32) (local $u${r} v128) (local $s${r} f64)`)
  L.push('  (local.set $cb (i32.shl (local.get $cols) (i32.const 3)))')
  L.push('  (local.set $c2 (i32.and (local.get $cb) (i32.const -16)))')
  L.push('  (if (i32.eqz (local.get $beta)) (then (memory.fill (local.get $y) (i32.const 0) (local.get $cb))))')
  // blocks of ROWS rows
  L.push('  (block $done4 (loop $rows4')
  L.push(`    (br_if $done4 (i32.gt_u (i32.add (local.get $r) (i32.const ${ROWS})) (local.get $rows)))`)
  L.push('    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))))')
  for (let r = 1; r < ROWS; r++) L.push(`    (local.set $a${r} (i32.add (local.get $a${r - 1}) (local.get $lda)))`)
  L.push('    (local.set $p (i32.add (local.get $u) (i32.mul (local.get $r) (local.get $incu))))')
  for (let r = 0; r < ROWS; r++) {
    L.push(`    (local.set $s${r} (f64.mul (local.get $alpha) (f64.load (local.get $p))))`)
    L.push(`    (local.set $u${r} (f64x2.splat (local.get $s${r})))`)
    if (r < ROWS - 1) L.push('    (local.set $p (i32.add (local.get $p) (local.get $incu)))')
  }
  L.push('    (local.set $j (i32.const 0))')
  L.push('    (block $dj (loop $lj')
  L.push('      (br_if $dj (i32.ge_u (local.get $j) (local.get $c2)))')
  L.push('      (local.set $p (i32.add (local.get $y) (local.get $j)))')
  let sum = '(v128.load (local.get $p))'
  for (let r = 0; r < ROWS; r++) sum = `(f64x2.add ${sum} (f64x2.mul (local.get $u${r}) (v128.load (i32.add (local.get $a${r}) (local.get $j)))))`
  L.push(`      (v128.store (local.get $p) ${sum})`)
  L.push('      (local.set $j (i32.add (local.get $j) (i32.const 16)))')
  L.push('      (br $lj)))')
  // odd column
  L.push('    (if (i32.lt_u (local.get $c2) (local.get $cb)) (then')
  L.push('      (local.set $p (i32.add (local.get $y) (local.get $c2)))')
  let ss = '(f64.load (local.get $p))'
  for (let r = 0; r < ROWS; r++) ss = `(f64.add ${ss} (f64.mul (local.get $s${r}) (f64.load (i32.add (local.get $a${r}) (local.get $c2)))))`
  L.push(`      (f64.store (local.get $p) ${ss})))`)
  L.push(`    (local.set $r (i32.add (local.get $r) (i32.const ${ROWS})))`)
  L.push('    (br $rows4)))')
  // remaining rows one at a time
  L.push('  (block $done1 (loop $rows1')
  L.push('    (br_if $done1 (i32.ge_u (local.get $r) (local.get $rows)))')
  L.push('    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))))')
  L.push('    (local.set $s0 (f64.mul (local.get $alpha) (f64.load (i32.add (local.get $u) (i32.mul (local.get $r) (local.get $incu))))))')
  L.push('    (local.set $u0 (f64x2.splat (local.get $s0)))')
  L.push('    (local.set $j (i32.const 0))')
  L.push('    (block $dj1 (loop $lj1')
  L.push('      (br_if $dj1 (i32.ge_u (local.get $j) (local.get $c2)))')
  L.push('      (local.set $p (i32.add (local.get $y) (local.get $j)))')
  L.push('      (v128.store (local.get $p) (f64x2.add (v128.load (local.get $p)) (f64x2.mul (local.get $u0) (v128.load (i32.add (local.get $a0) (local.get $j))))))')
  L.push('      (local.set $j (i32.add (local.get $j) (i32.const 16)))')
  L.push('      (br $lj1)))')
  L.push('    (if (i32.lt_u (local.get $c2) (local.get $cb)) (then')
  L.push('      (local.set $p (i32.add (local.get $y) (local.get $c2)))')
  L.push('      (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (f64.mul (local.get $s0) (f64.load (i32.add (local.get $a0) (local.get $c2))))))))')
  L.push('    (local.set $r (i32.add (local.get $r) (i32.const 1)))')
  L.push('    (br $rows1)))')
  L.push(')')
  return L.join('\n')
}

const gemvN = (): string => {
  const L: string[] = []
  L.push('(func $gemv_n_f64 (export "gemv_n_f64") (param $a i32) (param $lda i32) (param $rows i32) (param $cols i32) (param $w i32) (param $x i32) (param $incx i32) (param $alpha f64) (param $beta i32)')
  L.push('  (local $r i32) (local $j i32) (local $cb i32) (local $c2 i32) (local $wv v128) (local $wj f64) (local $px i32)')
  for (let r = 0; r < ROWS; r++) L.push(`  (local $a${r} i32) (local $acc${r} v128) (local $t${r} f64)`)
  L.push('  (local.set $cb (i32.shl (local.get $cols) (i32.const 3)))')
  L.push('  (local.set $c2 (i32.and (local.get $cb) (i32.const -16)))')
  L.push('  (block $done4 (loop $rows4')
  L.push(`    (br_if $done4 (i32.gt_u (i32.add (local.get $r) (i32.const ${ROWS})) (local.get $rows)))`)
  L.push('    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))))')
  for (let r = 1; r < ROWS; r++) L.push(`    (local.set $a${r} (i32.add (local.get $a${r - 1}) (local.get $lda)))`)
  for (let r = 0; r < ROWS; r++) L.push(`    (local.set $acc${r} (v128.const i64x2 0 0))`)
  L.push('    (local.set $j (i32.const 0))')
  L.push('    (block $dj (loop $lj')
  L.push('      (br_if $dj (i32.ge_u (local.get $j) (local.get $c2)))')
  L.push('      (local.set $wv (v128.load (i32.add (local.get $w) (local.get $j))))')
  for (let r = 0; r < ROWS; r++) L.push(`      (local.set $acc${r} (f64x2.add (local.get $acc${r}) (f64x2.mul (local.get $wv) (v128.load (i32.add (local.get $a${r}) (local.get $j))))))`)
  L.push('      (local.set $j (i32.add (local.get $j) (i32.const 16)))')
  L.push('      (br $lj)))')
  for (let r = 0; r < ROWS; r++) L.push(`    (local.set $t${r} (f64.add (f64x2.extract_lane 0 (local.get $acc${r})) (f64x2.extract_lane 1 (local.get $acc${r}))))`)
  L.push('    (if (i32.lt_u (local.get $c2) (local.get $cb)) (then')
  L.push('      (local.set $wj (f64.load (i32.add (local.get $w) (local.get $c2))))')
  for (let r = 0; r < ROWS; r++) L.push(`      (local.set $t${r} (f64.add (local.get $t${r}) (f64.mul (local.get $wj) (f64.load (i32.add (local.get $a${r}) (local.get $c2))))))`)
  L.push('    ))')
  L.push('    (local.set $px (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $incx))))')
  for (let r = 0; r < ROWS; r++) {
    L.push(`    (f64.store (local.get $px) (f64.add (f64.mul (local.get $alpha) (local.get $t${r})) (if (result f64) (local.get $beta) (then (f64.load (local.get $px))) (else (f64.const 0)))))`)
    if (r < ROWS - 1) L.push('    (local.set $px (i32.add (local.get $px) (local.get $incx)))')
  }
  L.push(`    (local.set $r (i32.add (local.get $r) (i32.const ${ROWS})))`)
  L.push('    (br $rows4)))')
  L.push('  (block $done1 (loop $rows1')
  L.push('    (br_if $done1 (i32.ge_u (local.get $r) (local.get $rows)))')
  L.push('    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))))')
  L.push('    (local.set $acc0 (v128.const i64x2 0 0))')
  L.push('    (local.set $j (i32.const 0))')
  L.push('    (block $dj1 (loop $lj1')
  L.push('      (br_if $dj1 (i32.ge_u (local.get $j) (local.get $c2)))')
  L.push('      (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul (v128.load (i32.add (local.get $w) (local.get $j))) (v128.load (i32.add (local.get $a0) (local.get $j))))))')
  L.push('      (local.set $j (i32.add (local.get $j) (i32.const 16)))')
  L.push('      (br $lj1)))')
  L.push('    (local.set $t0 (f64.add (f64x2.extract_lane 0 (local.get $acc0)) (f64x2.extract_lane 1 (local.get $acc0))))')
  L.push('    (if (i32.lt_u (local.get $c2) (local.get $cb)) (then')
  L.push('      (local.set $t0 (f64.add (local.get $t0) (f64.mul (f64.load (i32.add (local.get $w) (local.get $c2))) (f64.load (i32.add (local.get $a0) (local.get $c2))))))))')
  L.push('    (local.set $px (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $incx))))')
  L.push('    (f64.store (local.get $px) (f64.add (f64.mul (local.get $alpha) (local.get $t0)) (if (result f64) (local.get $beta) (then (f64.load (local.get $px))) (else (f64.const 0)))))')
  L.push('    (local.set $r (i32.add (local.get $r) (i32.const 1)))')
  L.push('    (br $rows1)))')
  L.push(')')
  return L.join('\n')
}

// gemv_fused_f64(a, lda, rows, cols, w, x, z, q, tp): one pass over Â = A[0:rows, 0:cols] doing the
// x-product of dlabrd column i and the y-product of column i + 1 (Ã = Â[:, 1:]):
//   x[r] = tp·(Â[r, :]·w + x[r]);  u = Â[r, 0] + z[r] − x[r];  Â[r, 0] = u;  q += u·Ã[r, :] for r ≥ 1
// (q [cols − 1] overwritten). Row r is still in cache for the axpy after its dot product.
const gemvFused = (): string => {
  const L: string[] = []
  L.push('(func $gemv_fused_f64 (export "gemv_fused_f64") (param $a i32) (param $lda i32) (param $rows i32) (param $cols i32) (param $w i32) (param $x i32) (param $z i32) (param $q i32) (param $tp f64)')
  L.push('  (local $r i32) (local $j i32) (local $cb i32) (local $c2 i32) (local $qb i32) (local $q2 i32) (local $wv v128) (local $wj f64) (local $p i32) (local $k i32) (local $nr i32)')
  for (let r = 0; r < ROWS; r++) L.push(`  (local $a${r} i32) (local $acc${r} v128) (local $t${r} f64) (local $m${r} v128) (local $s${r} f64)`)
  L.push('  (local.set $cb (i32.shl (local.get $cols) (i32.const 3)))')
  L.push('  (local.set $c2 (i32.and (local.get $cb) (i32.const -16)))')
  L.push('  (local.set $qb (select (i32.sub (local.get $cb) (i32.const 8)) (i32.const 0) (i32.gt_u (local.get $cols) (i32.const 0))))')
  L.push('  (local.set $q2 (i32.and (local.get $qb) (i32.const -16)))')
  L.push('  (memory.fill (local.get $q) (i32.const 0) (local.get $qb))')
  L.push('  (block $done (loop $rowsL')
  L.push('    (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))')
  // nr = rows in this block: 4 or 1
  L.push(`    (local.set $nr (select (i32.const ${ROWS}) (i32.const 1) (i32.le_u (i32.add (local.get $r) (i32.const ${ROWS})) (local.get $rows))))`)
  L.push('    (local.set $a0 (i32.add (local.get $a) (i32.mul (local.get $r) (local.get $lda))))')
  for (let r = 1; r < ROWS; r++) L.push(`    (local.set $a${r} (select (i32.add (local.get $a${r - 1}) (local.get $lda)) (local.get $a0) (i32.gt_u (local.get $nr) (i32.const 1))))`)
  for (let r = 0; r < ROWS; r++) L.push(`    (local.set $acc${r} (v128.const i64x2 0 0))`)
  L.push('    (local.set $j (i32.const 0))')
  L.push('    (block $dj (loop $lj')
  L.push('      (br_if $dj (i32.ge_u (local.get $j) (local.get $c2)))')
  L.push('      (local.set $wv (v128.load (i32.add (local.get $w) (local.get $j))))')
  for (let r = 0; r < ROWS; r++) L.push(`      (local.set $acc${r} (f64x2.add (local.get $acc${r}) (f64x2.mul (local.get $wv) (v128.load (i32.add (local.get $a${r}) (local.get $j))))))`)
  L.push('      (local.set $j (i32.add (local.get $j) (i32.const 16)))')
  L.push('      (br $lj)))')
  for (let r = 0; r < ROWS; r++) L.push(`    (local.set $t${r} (f64.add (f64x2.extract_lane 0 (local.get $acc${r})) (f64x2.extract_lane 1 (local.get $acc${r}))))`)
  L.push('    (if (i32.lt_u (local.get $c2) (local.get $cb)) (then')
  L.push('      (local.set $wj (f64.load (i32.add (local.get $w) (local.get $c2))))')
  for (let r = 0; r < ROWS; r++) L.push(`      (local.set $t${r} (f64.add (local.get $t${r}) (f64.mul (local.get $wj) (f64.load (i32.add (local.get $a${r}) (local.get $c2))))))`)
  L.push('    ))')
  // per row of the block: x, u, store; multiplier (0 for the block's unused lanes and for row 0)
  for (let r = 0; r < ROWS; r++) {
    L.push(`    (if (i32.gt_u (local.get $nr) (i32.const ${r})) (then`)
    L.push(`      (local.set $p (i32.shl (i32.add (local.get $r) (i32.const ${r})) (i32.const 3)))`)
    L.push(`      (local.set $t${r} (f64.mul (local.get $tp) (f64.add (local.get $t${r}) (f64.load (i32.add (local.get $x) (local.get $p))))))`)
    L.push(`      (f64.store (i32.add (local.get $x) (local.get $p)) (local.get $t${r}))`)
    L.push(`      (local.set $s${r} (f64.sub (f64.add (f64.load (local.get $a${r})) (f64.load (i32.add (local.get $z) (local.get $p)))) (local.get $t${r})))`)
    L.push(`      (f64.store (local.get $a${r}) (local.get $s${r}))`)
    L.push(`      (if (i32.eqz (i32.add (local.get $r) (i32.const ${r}))) (then (local.set $s${r} (f64.const 0))))`)
    L.push(`    ) (else (local.set $s${r} (f64.const 0))))`)
    L.push(`    (local.set $m${r} (f64x2.splat (local.get $s${r})))`)
  }
  // q[j] += Σ_k s_k·a_k[1 + j]
  L.push('    (local.set $j (i32.const 0))')
  L.push('    (block $dq (loop $lq')
  L.push('      (br_if $dq (i32.ge_u (local.get $j) (local.get $q2)))')
  L.push('      (local.set $p (i32.add (local.get $q) (local.get $j)))')
  let sum = '(v128.load (local.get $p))'
  for (let r = 0; r < ROWS; r++) sum = `(f64x2.add ${sum} (f64x2.mul (local.get $m${r}) (v128.load offset=8 (i32.add (local.get $a${r}) (local.get $j)))))`
  L.push(`      (v128.store (local.get $p) ${sum})`)
  L.push('      (local.set $j (i32.add (local.get $j) (i32.const 16)))')
  L.push('      (br $lq)))')
  L.push('    (if (i32.lt_u (local.get $q2) (local.get $qb)) (then')
  L.push('      (local.set $p (i32.add (local.get $q) (local.get $q2)))')
  let ss = '(f64.load (local.get $p))'
  for (let r = 0; r < ROWS; r++) ss = `(f64.add ${ss} (f64.mul (local.get $s${r}) (f64.load offset=8 (i32.add (local.get $a${r}) (local.get $q2)))))`
  L.push(`      (f64.store (local.get $p) ${ss})))`)
  L.push('    (local.set $r (i32.add (local.get $r) (local.get $nr)))')
  L.push('    (br $rowsL)))')
  L.push(')')
  return L.join('\n')
}

/** The panel module: imports its (unshared) memory as env.memory, maximum `maxPages` pages. */
export const panelModuleWat = (maxPages: number): string => `(module
(import "env" "memory" (memory 1 ${maxPages}))
${gemvT()}
${gemvN()}
${gemvFused()}
)
`
