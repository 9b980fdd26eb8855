// Work items of one GEMM job, shared by the main thread and the pool's workers.
// These functions are SELF-CONTAINED (no imports, no outer variables except the CTL numbers they
// inline): the pool sends their source text (Function.prototype.toString) to each worker, so the main
// thread and the workers run exactly the same code.
//
// Control block: Int32 slots at byte 0 of the shared WebAssembly memory.
//   0 GEN   job generation; odd while the main thread writes a job, even when it is published
//   1 NEXT  claim counter (monotonic); a job owns the indices [BASE, END)
//   2 DONE  items finished in the current job
//   3 BASE, 4 END
//   5 SLEEPERS workers blocked in Atomics.wait on GEN
//   6 NWORK  workers with id < NWORK take part in the current job (the `threads` option)
//   7 STOP   set to 1 to make idle workers exit
//   8..19 job parameters (written by gemmWasm.ts): dtype, pa, pb, c, mp, np, k, mci, nci, kc, nim, es
//   20 READY workers that have instantiated the module
//   21..24 lda, ldb (0 = packed operand), mr, nr
//   34 LDC  leading dimension of the padded C (elements)
//   25 KIND  0 = compute job (runItem's tiles), 1 = packing job (packItem)
//   26..33 packing job: items of A, A mode, A source, A line stride (bytes), B mode, B source,
//          B line stride, slivers per item (mode 1 = lines along k: transpose-pack; 2 = lines along
//          the sliver direction: copy-pack; 0 = nothing to pack)

/** Runs one packing item: CH slivers of one KC block of A (idx < items of A) or of B, from the
 *  staged copy of the caller's operand into the packed panel (layout: see scripts/gemmWat.ts). */
export function packItem(ex: Record<string, unknown>, ctl: Int32Array, idx: number): void {
  const dt = Atomics.load(ctl, 8), es = Atomics.load(ctl, 19), kcMax = Atomics.load(ctl, 17), k = Atomics.load(ctl, 14)
  const itemsA = Atomics.load(ctl, 26), ch = Atomics.load(ctl, 33)
  const isA = idx < itemsA
  const j = isA ? idx : idx - itemsA
  const w = isA ? Atomics.load(ctl, 23) : Atomics.load(ctl, 24)
  const len = isA ? Atomics.load(ctl, 12) : Atomics.load(ctl, 13)
  const mode = isA ? Atomics.load(ctl, 27) : Atomics.load(ctl, 30)
  const src = (isA ? Atomics.load(ctl, 28) : Atomics.load(ctl, 31)) >>> 0
  const ld = isA ? Atomics.load(ctl, 29) : Atomics.load(ctl, 32)
  const dst = (isA ? Atomics.load(ctl, 9) : Atomics.load(ctl, 10)) >>> 0
  const slivers = len / w, chunks = Math.ceil(slivers / ch)
  const cb = j % chunks, pcIdx = (j - cb) / chunks
  const pc = pcIdx * kcMax, kc = Math.min(kcMax, k - pc), s0 = cb * ch, nsl = Math.min(ch, slivers - s0)
  const d = dst + (pc * len + s0 * w * kc) * es
  const fn = ex[(mode === 1 ? 'packt_' : 'packc_') + (dt === 1 ? 'f64_' : 'f32_') + w] as (src: number, ld: number, dst: number, kc: number, nsl: number) => void
  if (mode === 1) fn(src + s0 * w * ld + pc * es, ld, d, kc, nsl)
  else fn(src + pc * ld + s0 * w * es, ld, d, kc, nsl)
}

/** Runs one item: the tile C[ic:ic+mc, jc:jc+nc] of a GEMM over the whole k range.
 *  Operands are packed (lda/ldb = 0) or direct row-major copies with leading dimension lda/ldb. */
export function runItem(ex: Record<string, unknown>, ctl: Int32Array, idx: number): void {
  if (Atomics.load(ctl, 25) === 1) { packItem(ex, ctl, idx); return }
  const dt = Atomics.load(ctl, 8)
  const pa = Atomics.load(ctl, 9) >>> 0, pb = Atomics.load(ctl, 10) >>> 0, c = Atomics.load(ctl, 11) >>> 0
  const mp = Atomics.load(ctl, 12), np = Atomics.load(ctl, 13), k = Atomics.load(ctl, 14)
  const mci = Atomics.load(ctl, 15), nci = Atomics.load(ctl, 16), kcMax = Atomics.load(ctl, 17)
  const nim = Atomics.load(ctl, 18), es = Atomics.load(ctl, 19)
  const lda = Atomics.load(ctl, 21), ldb = Atomics.load(ctl, 22), mr = Atomics.load(ctl, 23), nr = Atomics.load(ctl, 24)
  const ldc = Atomics.load(ctl, 34)
  const im = idx % nim, jn = (idx - im) / nim
  const ic = im * mci, jc = jn * nci
  const mc = Math.min(mci, mp - ic), nc = Math.min(nci, np - jc)
  const macro = (dt === 1 ? ex['macro_f64'] : ex['macro_f32']) as (pa: number, pb: number, c: number, mc: number, nc: number, kc: number,
    ldc: number, first: number, ais: number, bjs: number, bks: number, lda: number) => void
  for (let pc = 0; pc < k; pc += kcMax) {
    const kc = Math.min(kcMax, k - pc)
    const aPtr = lda > 0 ? pa + (ic * lda + pc) * es : pa + (pc * mp + ic * kc) * es
    const ais = lda > 0 ? mr * lda * es : kc * mr * es
    const bPtr = ldb > 0 ? pb + (pc * ldb + jc) * es : pb + (pc * np + jc * kc) * es
    const bjs = ldb > 0 ? nr * es : kc * nr * es
    const bks = ldb > 0 ? ldb * es : nr * es
    macro(aPtr, bPtr, c + (ic * ldc + jc) * es, mc, nc, kc, ldc, pc === 0 ? 1 : 0, ais, bjs, bks, lda * es)
  }
}

/** Claims and runs items of the published job until none is left; returns how many it ran.
 *  A claim succeeds only while NEXT lies in the job's [BASE, END), so a thread that read a stale
 *  job never steals an index of the next one. */
export function runItems(ex: Record<string, unknown>, ctl: Int32Array): number {
  let ran = 0
  for (;;) {
    const g = Atomics.load(ctl, 0)
    if ((g & 1) === 1) return ran
    const base = Atomics.load(ctl, 3), end = Atomics.load(ctl, 4)
    if (Atomics.load(ctl, 0) !== g) continue
    let cur = Atomics.load(ctl, 1)
    let claimed = -1
    while (cur >= base && cur < end) {
      const prev = Atomics.compareExchange(ctl, 1, cur, cur + 1)
      if (prev === cur) { claimed = cur; break }
      cur = prev
    }
    if (claimed < 0) return ran
    runItem(ex, ctl, claimed - base)
    ran++
    if (Atomics.add(ctl, 2, 1) + 1 === end - base) Atomics.notify(ctl, 2)
  }
}

/** A worker's life: spin briefly on GEN after each job (jobs of a blocked algorithm come in quick
 *  succession), then sleep in Atomics.wait; exits when STOP is set. */
export function workerLoop(ex: Record<string, unknown>, ctl: Int32Array, wid: number, spinMs: number): void {
  let seen = Atomics.load(ctl, 0)
  for (;;) {
    if (Atomics.load(ctl, 7) === 1) return
    let g = Atomics.load(ctl, 0)
    if (g === seen || (g & 1) === 1) {
      const t0 = performance.now()
      let i = 0
      for (;;) {
        g = Atomics.load(ctl, 0)
        if (g !== seen && (g & 1) === 0) break
        if ((++i & 1023) === 0 && performance.now() - t0 > spinMs) break
      }
      if (g === seen || (g & 1) === 1) {
        Atomics.add(ctl, 5, 1)
        Atomics.wait(ctl, 0, g, 1000)
        Atomics.sub(ctl, 5, 1)
        continue
      }
    }
    seen = g
    if (wid < Atomics.load(ctl, 6)) runItems(ex, ctl)
  }
}
