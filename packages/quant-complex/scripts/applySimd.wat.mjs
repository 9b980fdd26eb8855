// The WAT source of the WebAssembly SIMD apply kernel (generated text: the 4 or 8 lookups per u32 word are unrolled).
// Exports, over one imported memory, with all pointers 16-byte aligned and rowBytes a multiple of 4:
//   rowsByte(n, mats, rowBytes, codes, table, sums): table = per 4 columns 256 entries × f32x4 (4096 B), indexed by
//     the packed byte itself; one u32 word = 16 codes = 4 lookups (index bits taken with one shift and one mask).
//   buildByte(groups, pairs, table): the byte table from the 2-code (nibble) tables.
// For each row j < n and matrix q < mats (codes of matrix q at codes + (q·n + j)·rowBytes) it writes the four signed
// sums (Sa_re, Sb_re, Sa_im, Sb_im) as one f32x4 at sums + (j·mats + q)·16. Additions only; 4 accumulators.
const lookups = (bits, count, stride) => {
  const mask = ((1 << bits) - 1) << 4
  let s = ''
  for (let k = 0; k < count; k++) {
    const shift = bits * k - 4
    const idx = k === 0 ? `(i32.and (i32.shl (local.get $w) (i32.const 4)) (i32.const ${mask}))` : `(i32.and (i32.shr_u (local.get $w) (i32.const ${shift})) (i32.const ${mask}))`
    const acc = `$a${k % 4}`
    s += `          (local.set ${acc} (f32x4.add (local.get ${acc}) (v128.load offset=${k * stride} (i32.add (local.get $t) ${idx}))))\n`
  }
  return s
}
const rows = (name, bits, count, stride) => `
  (func (export "${name}") (param $n i32) (param $mats i32) (param $rowBytes i32) (param $codes i32) (param $table i32) (param $sums i32)
    (local $j i32) (local $q i32) (local $p i32) (local $end i32) (local $t i32) (local $w i32) (local $out i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $out (local.get $sums))
    (block $doneJ (loop $loopJ
      (br_if $doneJ (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $q (i32.const 0))
      (block $doneQ (loop $loopQ
        (br_if $doneQ (i32.ge_u (local.get $q) (local.get $mats)))
        (local.set $p (i32.add (local.get $codes) (i32.mul (i32.add (i32.mul (local.get $q) (local.get $n)) (local.get $j)) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $p) (local.get $rowBytes)))
        (local.set $t (local.get $table))
        (local.set $a0 (v128.const i32x4 0 0 0 0))
        (local.set $a1 (v128.const i32x4 0 0 0 0))
        (local.set $a2 (v128.const i32x4 0 0 0 0))
        (local.set $a3 (v128.const i32x4 0 0 0 0))
        (block $doneK (loop $loopK
          (br_if $doneK (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $w (i32.load (local.get $p)))
${lookups(bits, count, stride)}          (local.set $t (i32.add (local.get $t) (i32.const ${count * stride})))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $loopK)))
        (v128.store (local.get $out) (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
        (local.set $out (i32.add (local.get $out) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $loopQ)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $loopJ)))
  )`

// buildByte(groups, pairs, table): table[g][hi·16 + lo] = pairs[2g][lo] + pairs[2g+1][hi] (f32x4 each), where pairs holds,
// per pair of columns, the 16 f32x4 sums of its 2-code patterns. One add per byte-table entry.
const buildByte = `
  (func (export "buildByte") (param $groups i32) (param $pairs i32) (param $table i32)
    (local $g i32) (local $hi i32) (local $lo i32) (local $h v128) (local $pl i32) (local $ph i32) (local $t i32)
    (local.set $t (local.get $table))
    (block $doneG (loop $loopG
      (br_if $doneG (i32.ge_u (local.get $g) (local.get $groups)))
      (local.set $pl (i32.add (local.get $pairs) (i32.shl (local.get $g) (i32.const 9))))
      (local.set $ph (i32.add (local.get $pl) (i32.const 256)))
      (local.set $hi (i32.const 0))
      (block $doneH (loop $loopH
        (br_if $doneH (i32.ge_u (local.get $hi) (i32.const 16)))
        (local.set $h (v128.load (i32.add (local.get $ph) (i32.shl (local.get $hi) (i32.const 4)))))
        (local.set $lo (i32.const 0))
        (block $doneL (loop $loopL
          (br_if $doneL (i32.ge_u (local.get $lo) (i32.const 16)))
          (v128.store (local.get $t) (f32x4.add (local.get $h) (v128.load (i32.add (local.get $pl) (i32.shl (local.get $lo) (i32.const 4))))))
          (local.set $t (i32.add (local.get $t) (i32.const 16)))
          (local.set $lo (i32.add (local.get $lo) (i32.const 1)))
          (br $loopL)))
        (local.set $hi (i32.add (local.get $hi) (i32.const 1)))
        (br $loopH)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $loopG)))
  )`
// Batched kernels (4 input vectors per call, BATCH = 4): the byte table of a block of columns holds, per packed byte value,
// the four sums of each of the 4 vectors side by side (4 × f32x4 = 64 B, one cache line per lookup), 256 × 64 B = 16 KiB
// per group of 4 columns. The caller walks the columns in blocks whose table fits in L2 and accumulates into `sums`.
//   rows4(n, mats, rowBytes, blockBytes, codes, table, sums): for row j and matrix q, the block's bytes start at
//     codes + (q·n + j)·rowBytes; sums + (j·mats + q)·64 holds 4 f32x4 (vector b at +16·b), loaded, added to, stored.
//   buildByte4(groups, pairs, table): table[g][hi·16 + lo][b] = pairs[2g][lo][b] + pairs[2g+1][hi][b], a pair of
//     columns holding 16 nibble entries × 4 vectors × f32x4 (1 KiB).
const lookups4 = () => {
  let s = ''
  for (let k = 0; k < 4; k++) {
    const idx = k === 0 ? `(i32.and (i32.shl (local.get $w) (i32.const 6)) (i32.const ${255 << 6}))` : `(i32.and (i32.shr_u (local.get $w) (i32.const ${8 * k - 6})) (i32.const ${255 << 6}))`
    s += `          (local.set $e (i32.add (local.get $t) ${idx}))\n`
    // bytes 0, 2 into $a0…$a3, bytes 1, 3 into $c0…$c3: two independent add chains per vector
    const acc = k % 2 === 0 ? '$a' : '$c'
    for (let b = 0; b < 4; b++) s += `          (local.set ${acc}${b} (f32x4.add (local.get ${acc}${b}) (v128.load offset=${k * 16384 + 16 * b} (local.get $e))))\n`
  }
  return s
}
const rows4 = `
  (func (export "rows4") (param $n i32) (param $mats i32) (param $rowBytes i32) (param $blockBytes i32) (param $codes i32) (param $table i32) (param $sums i32)
    (local $j i32) (local $q i32) (local $p i32) (local $end i32) (local $t i32) (local $w i32) (local $e i32) (local $out i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local.set $out (local.get $sums))
    (block $doneJ (loop $loopJ
      (br_if $doneJ (i32.ge_u (local.get $j) (local.get $n)))
      (local.set $q (i32.const 0))
      (block $doneQ (loop $loopQ
        (br_if $doneQ (i32.ge_u (local.get $q) (local.get $mats)))
        (local.set $p (i32.add (local.get $codes) (i32.mul (i32.add (i32.mul (local.get $q) (local.get $n)) (local.get $j)) (local.get $rowBytes))))
        (local.set $end (i32.add (local.get $p) (local.get $blockBytes)))
        (local.set $t (local.get $table))
        (local.set $c0 (v128.const i32x4 0 0 0 0))
        (local.set $c1 (v128.const i32x4 0 0 0 0))
        (local.set $c2 (v128.const i32x4 0 0 0 0))
        (local.set $c3 (v128.const i32x4 0 0 0 0))
        (local.set $a0 (v128.load offset=0 (local.get $out)))
        (local.set $a1 (v128.load offset=16 (local.get $out)))
        (local.set $a2 (v128.load offset=32 (local.get $out)))
        (local.set $a3 (v128.load offset=48 (local.get $out)))
        (block $doneK (loop $loopK
          (br_if $doneK (i32.ge_u (local.get $p) (local.get $end)))
          (local.set $w (i32.load (local.get $p)))
${lookups4()}          (local.set $t (i32.add (local.get $t) (i32.const 65536)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (br $loopK)))
        (v128.store offset=0 (local.get $out) (f32x4.add (local.get $a0) (local.get $c0)))
        (v128.store offset=16 (local.get $out) (f32x4.add (local.get $a1) (local.get $c1)))
        (v128.store offset=32 (local.get $out) (f32x4.add (local.get $a2) (local.get $c2)))
        (v128.store offset=48 (local.get $out) (f32x4.add (local.get $a3) (local.get $c3)))
        (local.set $out (i32.add (local.get $out) (i32.const 64)))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (br $loopQ)))
      (local.set $j (i32.add (local.get $j) (i32.const 1)))
      (br $loopJ)))
  )`
const buildByte4 = `
  (func (export "buildByte4") (param $groups i32) (param $pairs i32) (param $table i32)
    (local $g i32) (local $hi i32) (local $lo i32) (local $pl i32) (local $ph i32) (local $phh i32) (local $pll i32) (local $t i32)
    (local.set $t (local.get $table))
    (block $doneG (loop $loopG
      (br_if $doneG (i32.ge_u (local.get $g) (local.get $groups)))
      (local.set $pl (i32.add (local.get $pairs) (i32.shl (local.get $g) (i32.const 11))))
      (local.set $ph (i32.add (local.get $pl) (i32.const 1024)))
      (local.set $hi (i32.const 0))
      (block $doneH (loop $loopH
        (br_if $doneH (i32.ge_u (local.get $hi) (i32.const 16)))
        (local.set $phh (i32.add (local.get $ph) (i32.shl (local.get $hi) (i32.const 6))))
        (local.set $lo (i32.const 0))
        (block $doneL (loop $loopL
          (br_if $doneL (i32.ge_u (local.get $lo) (i32.const 16)))
          (local.set $pll (i32.add (local.get $pl) (i32.shl (local.get $lo) (i32.const 6))))
          (v128.store offset=0 (local.get $t) (f32x4.add (v128.load offset=0 (local.get $phh)) (v128.load offset=0 (local.get $pll))))
          (v128.store offset=16 (local.get $t) (f32x4.add (v128.load offset=16 (local.get $phh)) (v128.load offset=16 (local.get $pll))))
          (v128.store offset=32 (local.get $t) (f32x4.add (v128.load offset=32 (local.get $phh)) (v128.load offset=32 (local.get $pll))))
          (v128.store offset=48 (local.get $t) (f32x4.add (v128.load offset=48 (local.get $phh)) (v128.load offset=48 (local.get $pll))))
          (local.set $t (i32.add (local.get $t) (i32.const 64)))
          (local.set $lo (i32.add (local.get $lo) (i32.const 1)))
          (br $loopL)))
        (local.set $hi (i32.add (local.get $hi) (i32.const 1)))
        (br $loopH)))
      (local.set $g (i32.add (local.get $g) (i32.const 1)))
      (br $loopG)))
  )`
export const applySimdWat = `(module
  (import "env" "memory" (memory 1))${rows('rowsByte', 8, 4, 4096)}${buildByte}${rows4}${buildByte4}
)
`
