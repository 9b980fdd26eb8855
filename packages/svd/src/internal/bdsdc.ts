/**
 * Divide-and-conquer SVD of an upper bidiagonal matrix with singular vectors: a port of LAPACK's
 * dbdsdc (compq = 'I') → dlasd0 (tree) → dlasdq leaves (bidiagonal QR) and dlasd1 merges
 * (dlasd2: deflation; dlasd3: secular equation via dlasd4/dlasd5/dlaed6, Gu–Eisenstat updated z
 * for orthogonal vectors, then the vectors as GEMMs through the kernel seam). Gu & Eisenstat,
 * "A divide-and-conquer algorithm for the bidiagonal SVD", SIAM J. Matrix Anal. Appl. 16 (1995).
 *
 * Layouts (f64, unchecked): U is column-major (U(i, j) = u[uo + i + j·ldu], 0-based), which is Uᵀ
 * row-major, and VT is row-major (VT(i, j) = vt[vo + i·ldvt + j]): the singular vectors are then
 * contiguous for the rotations of the leaves and deflation. Fortran's 1-based indices are kept in
 * the ported routines (the arrays carry an offset `xo` with X(j) = x[xo + j]), so each line can be
 * checked against the reference source.
 * @internal
 */
import { NoConvergence } from '../errors.js'
import { gemmKernel } from './gemmKernel.js'
import { rotRows } from './householder.js'

const EPS = 2 ** -53 // LAPACK dlamch('Epsilon') (relative machine precision, rounding)
const SAFMIN = 2 ** -1022
const TINY_QR = 2 ** -966
/** Largest leaf solved by bidiagonal QR (LAPACK's ilaenv SMLSIZ). */
export const SMLSIZ = 25
const MAXIT_LASD4 = 64
const MAXIT_LAED6 = 40
const MAX_SWEEPS_PER_VALUE = 75

/** Workspace of one dbdsdc call (allocated once at the top size, reused by every merge). */
interface Work {
  readonly u2: Float64Array   // [n, n] column-major, ld = subproblem n
  readonly vt2: Float64Array  // [m, m] row-major
  readonly q: Float64Array    // [k, k] column-major
  readonly z: Float64Array    // [m + 1], 1-based
  readonly dsigma: Float64Array // [n + 1], 1-based
  readonly idx: Int32Array    // [n + 1] each, 1-based
  readonly idxc: Int32Array
  readonly idxp: Int32Array
  readonly coltyp: Int32Array
  readonly dl: Float64Array   // leaf scratch
  readonly el: Float64Array
  readonly rc: Float64Array   // leaf rotation cosines / sines, 1-based
  readonly rs: Float64Array
}

const newWork = (n: number, u2: Float64Array | undefined): Work => {
  const m = n + 1
  return {
    u2: u2 !== undefined && u2.length >= n * n ? u2 : new Float64Array(n * n), vt2: new Float64Array(m * m), q: new Float64Array(n * n),
    z: new Float64Array(m + 2), dsigma: new Float64Array(m + 2),
    idx: new Int32Array(m + 2), idxc: new Int32Array(m + 2), idxp: new Int32Array(m + 2), coltyp: new Int32Array(m + 2),
    dl: new Float64Array(m + 2), el: new Float64Array(m + 2), rc: new Float64Array(m + 2), rs: new Float64Array(m + 2),
  }
}

/** C[m, n] = A[m, k]·B[k, n] + beta·C through the seam; k = 0 gives beta·C. */
const gemm = (m: number, n: number, k: number, a: Float64Array, as0: number, as1: number, ao: number,
  b: Float64Array, bs0: number, bs1: number, bo: number, beta: number, c: Float64Array, cs0: number, cs1: number, co: number): void => {
  if (m <= 0 || n <= 0) return
  if (k <= 0) {
    if (beta === 1) return
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) c[co + i * cs0 + j * cs1] = beta === 0 ? 0 : beta * c[co + i * cs0 + j * cs1]!
    return
  }
  gemmKernel(m, n, k, 1, a, as0, as1, ao, b, bs0, bs1, bo, beta, c, cs0, cs1, co)
}

const sign = (a: number, b: number): number => (b >= 0 && !Object.is(b, -0) ? Math.abs(a) : -Math.abs(a))

/** dlartg (LAPACK 3.10 convention): [c, s; −s, c]·[f; g] = [r; 0]. Writes c, s, r into out[0..2]. */
const lartg = (f: number, g: number, out: Float64Array): void => {
  if (g === 0) { out[0] = 1; out[1] = 0; out[2] = f; return }
  if (f === 0) { out[0] = 0; out[1] = Math.sign(g); out[2] = Math.abs(g); return }
  const d = Math.hypot(f, g)
  const c = Math.abs(f) / d
  const r = sign(d, f)
  out[0] = c; out[1] = g / r; out[2] = r
}

/** dlamrg: INDEX(1..n1+n2) merges A(1..n1) (stride dtrd1) and A(n1+1..) (stride dtrd2) ascending.
 *  A(j) = a[ao + j], INDEX(j) = index[io + j]; the values written are 1-based. */
const lamrg = (n1: number, n2: number, a: Float64Array, ao: number, dtrd1: number, dtrd2: number, index: Int32Array, io: number): void => {
  let n1sv = n1, n2sv = n2
  let ind1 = dtrd1 > 0 ? 1 : n1
  let ind2 = dtrd2 > 0 ? 1 + n1 : n1 + n2
  let i = 1
  while (n1sv > 0 && n2sv > 0) {
    if (a[ao + ind1]! <= a[ao + ind2]!) { index[io + i] = ind1; i++; ind1 += dtrd1; n1sv-- }
    else { index[io + i] = ind2; i++; ind2 += dtrd2; n2sv-- }
  }
  if (n1sv === 0) for (; n2sv > 0; n2sv--) { index[io + i] = ind2; i++; ind2 += dtrd2 }
  else for (; n1sv > 0; n1sv--) { index[io + i] = ind1; i++; ind1 += dtrd1 }
}

interface Tree { readonly nlvl: number; readonly nd: number; readonly inode: Int32Array; readonly ndiml: Int32Array; readonly ndimr: Int32Array }

/** dlasdt: the computation tree (1-based node arrays). */
const lasdt = (n: number, msub: number): Tree => {
  const maxn = Math.max(1, n)
  const lvl = Math.trunc(Math.log(maxn / (msub + 1)) / Math.log(2)) + 1
  const size = 2 ** (lvl + 1) + 2
  const inode = new Int32Array(size), ndiml = new Int32Array(size), ndimr = new Int32Array(size)
  const i0 = Math.trunc(n / 2)
  inode[1] = i0 + 1; ndiml[1] = i0; ndimr[1] = n - i0 - 1
  let il = 0, ir = 1, llst = 1
  for (let nlvl = 1; nlvl <= lvl - 1; nlvl++) {
    for (let i = 0; i <= llst - 1; i++) {
      il += 2; ir += 2
      const ncrnt = llst + i
      ndiml[il] = Math.trunc(ndiml[ncrnt]! / 2)
      ndimr[il] = ndiml[ncrnt]! - ndiml[il]! - 1
      inode[il] = inode[ncrnt]! - ndimr[il]! - 1
      ndiml[ir] = Math.trunc(ndimr[ncrnt]! / 2)
      ndimr[ir] = ndimr[ncrnt]! - ndiml[ir]! - 1
      inode[ir] = inode[ncrnt]! + ndiml[ir]! + 1
    }
    llst *= 2
  }
  return { nlvl: lvl, nd: 2 * llst - 1, inode, ndiml, ndimr }
}

/**
 * Implicit-shift QR on the upper bidiagonal (d[0..n), e[0..n−1)) (Golub–Kahan–Reinsch; svdKernel's bdsqr
 * and the divide-and-conquer leaves both run it), rotating the n columns of U (column j = u[uo + j·ldu], length nru) and the rows of VT (row j =
 * vt[vo + j·ldvt], length ncvt). On return d ≥ 0, unsorted.
 */
export const bdsqrBlock = (op: string, n: number, d: Float64Array, e: Float64Array,
  u: Float64Array, uo: number, ldu: number, nru: number, vt: Float64Array, vo: number, ldvt: number, ncvt: number): void => {
  const s = d
  let p = n
  let iter = 0, totalSweeps = 0
  while (p > 0) {
    let k: number
    let kase: number
    for (k = p - 2; k >= -1; k--) {
      if (k === -1) break
      if (Math.abs(e[k]!) <= TINY_QR + 2 * EPS * (Math.abs(s[k]!) + Math.abs(s[k + 1]!))) { e[k] = 0; break }
    }
    if (k === p - 2) {
      kase = 4
    } else {
      let ks: number
      for (ks = p - 1; ks >= k; ks--) {
        if (ks === k) break
        const t = (ks !== p - 1 ? Math.abs(e[ks]!) : 0) + (ks !== k + 1 ? Math.abs(e[ks - 1]!) : 0)
        if (Math.abs(s[ks]!) <= TINY_QR + 2 * EPS * t) { s[ks] = 0; break }
      }
      if (ks === k) kase = 3
      else if (ks === p - 1) kase = 1
      else { kase = 2; k = ks }
    }
    k++
    switch (kase) {
      case 1: {
        let f = e[p - 2]!
        e[p - 2] = 0
        for (let j = p - 2; j >= k; j--) {
          const t = Math.hypot(s[j]!, f)
          const cs = s[j]! / t, sn = f / t
          s[j] = t
          if (j !== k) { f = -sn * e[j - 1]!; e[j - 1] = cs * e[j - 1]! }
          rotRows(ncvt, vt, vo + j * ldvt, vo + (p - 1) * ldvt, cs, sn)
        }
        break
      }
      case 2: {
        let f = e[k - 1]!
        e[k - 1] = 0
        for (let j = k; j < p; j++) {
          const t = Math.hypot(s[j]!, f)
          const cs = s[j]! / t, sn = f / t
          s[j] = t
          f = -sn * e[j]!
          e[j] = cs * e[j]!
          rotRows(nru, u, uo + j * ldu, uo + (k - 1) * ldu, cs, sn)
        }
        break
      }
      case 3: {
        if (++totalSweeps > MAX_SWEEPS_PER_VALUE * n + 100 || ++iter > MAX_SWEEPS_PER_VALUE * 4)
          throw new NoConvergence(op, totalSweeps, `bidiagonal QR did not deflate singular value ${p - 1} of ${n}; the input may hold values near overflow or subnormals`)
        const scale = Math.max(Math.abs(s[p - 1]!), Math.abs(s[p - 2]!), Math.abs(e[p - 2]!), Math.abs(s[k]!), Math.abs(e[k]!))
        const sp = s[p - 1]! / scale, spm1 = s[p - 2]! / scale, epm1 = e[p - 2]! / scale
        const sk = s[k]! / scale, ek = e[k]! / scale
        const b = ((spm1 + sp) * (spm1 - sp) + epm1 * epm1) / 2
        const c = (sp * epm1) * (sp * epm1)
        let shift = 0
        if (b !== 0 || c !== 0) {
          shift = Math.sqrt(b * b + c)
          if (b < 0) shift = -shift
          shift = c / (b + shift)
        }
        let f = (sk + sp) * (sk - sp) + shift
        let g = sk * ek
        for (let j = k; j < p - 1; j++) {
          let t = Math.hypot(f, g)
          let cs = f / t, sn = g / t
          if (j !== k) e[j - 1] = t
          f = cs * s[j]! + sn * e[j]!
          e[j] = cs * e[j]! - sn * s[j]!
          g = sn * s[j + 1]!
          s[j + 1] = cs * s[j + 1]!
          rotRows(ncvt, vt, vo + j * ldvt, vo + (j + 1) * ldvt, cs, sn)
          t = Math.hypot(f, g)
          cs = f / t; sn = g / t
          s[j] = t
          f = cs * e[j]! + sn * s[j + 1]!
          s[j + 1] = -sn * e[j]! + cs * s[j + 1]!
          g = sn * e[j + 1]!
          e[j + 1] = cs * e[j + 1]!
          rotRows(nru, u, uo + j * ldu, uo + (j + 1) * ldu, cs, sn)
        }
        e[p - 2] = f
        break
      }
      default: {
        if (s[k]! <= 0) {
          s[k] = s[k]! < 0 ? -s[k]! : 0
          for (let i = 0; i < ncvt; i++) vt[vo + k * ldvt + i] = -vt[vo + k * ldvt + i]!
        }
        iter = 0
        p--
      }
    }
  }
}

/**
 * dlasdq ('U', sqre, n, ncvt = n + sqre, nru = n, ncc = 0) on D(1..n) = d[dOff + 1..], E(1..n) = e[eOff + 1..]
 * (E(n) is the extra column's entry when sqre = 1): U ← U·Q (columns), VT ← Pᵀ·VT (rows); singular
 * values sorted ascending, as in the reference.
 */
const lasdq = (op: string, sqre: number, n: number, d: Float64Array, dOff: number, e: Float64Array, eOff: number,
  vt: Float64Array, vo: number, ldvt: number, u: Float64Array, uo: number, ldu: number, w: Work): void => {
  if (n === 0) return
  const np1 = n + 1
  const ncvt = n + sqre, nru = n
  const { rc, rs } = w
  const g = w.z // 3 scalars of scratch (z is free outside merges)
  let iuplo = 1
  if (sqre === 1) {
    for (let i = 1; i <= n - 1; i++) {
      lartg(d[dOff + i]!, e[eOff + i]!, g)
      d[dOff + i] = g[2]!
      e[eOff + i] = g[1]! * d[dOff + i + 1]!
      d[dOff + i + 1] = g[0]! * d[dOff + i + 1]!
      rc[i] = g[0]!; rs[i] = g[1]!
    }
    lartg(d[dOff + n]!, e[eOff + n]!, g)
    d[dOff + n] = g[2]!
    e[eOff + n] = 0
    rc[n] = g[0]!; rs[n] = g[1]!
    iuplo = 2
    // dlasr('L', 'V', 'F', np1, ncvt, c, s, VT): rotate rows j, j+1 of VT
    for (let j = 1; j <= np1 - 1; j++) {
      const ct = rc[j]!, st = rs[j]!
      if (ct === 1 && st === 0) continue
      const r0 = vo + (j - 1) * ldvt, r1 = vo + j * ldvt
      for (let c = 0; c < ncvt; c++) {
        const t = vt[r1 + c]!
        vt[r1 + c] = ct * t - st * vt[r0 + c]!
        vt[r0 + c] = st * t + ct * vt[r0 + c]!
      }
    }
  }
  if (iuplo === 2) {
    for (let i = 1; i <= n - 1; i++) {
      lartg(d[dOff + i]!, e[eOff + i]!, g)
      d[dOff + i] = g[2]!
      e[eOff + i] = g[1]! * d[dOff + i + 1]!
      d[dOff + i + 1] = g[0]! * d[dOff + i + 1]!
      rc[i] = g[0]!; rs[i] = g[1]!
    }
    // dlasr('R', 'V', 'F', nru, n, c, s, U): rotate columns j, j+1 of U
    for (let j = 1; j <= n - 1; j++) {
      const ct = rc[j]!, st = rs[j]!
      if (ct === 1 && st === 0) continue
      const c0 = uo + (j - 1) * ldu, c1 = uo + j * ldu
      for (let i = 0; i < nru; i++) {
        const t = u[c1 + i]!
        u[c1 + i] = ct * t - st * u[c0 + i]!
        u[c0 + i] = st * t + ct * u[c0 + i]!
      }
    }
  }
  const dl = w.dl, el = w.el
  for (let i = 0; i < n; i++) { dl[i] = d[dOff + 1 + i]!; el[i] = i < n - 1 ? e[eOff + 1 + i]! : 0 }
  bdsqrBlock(op, n, dl, el, u, uo, ldu, nru, vt, vo, ldvt, ncvt)
  for (let i = 0; i < n; i++) d[dOff + 1 + i] = dl[i]!
  // sort ascending (one transposition per vector)
  for (let i = 1; i <= n; i++) {
    let isub = i, smin = d[dOff + i]!
    for (let j = i + 1; j <= n; j++) if (d[dOff + j]! < smin) { isub = j; smin = d[dOff + j]! }
    if (isub !== i) {
      d[dOff + isub] = d[dOff + i]!
      d[dOff + i] = smin
      swapRange(vt, vo + (isub - 1) * ldvt, vo + (i - 1) * ldvt, ncvt)
      swapRange(u, uo + (isub - 1) * ldu, uo + (i - 1) * ldu, nru)
    }
  }
}

const swapRange = (x: Float64Array, a: number, b: number, len: number): void => {
  for (let i = 0; i < len; i++) { const t = x[a + i]!; x[a + i] = x[b + i]!; x[b + i] = t }
}

/** dlasd5: the 2 × 2 secular equation. D, Z, DELTA, WORK 1-based with offsets. Returns σ_i. */
const lasd5 = (i: number, d: Float64Array, dOff: number, z: Float64Array, zOff: number, delta: Float64Array, deOff: number,
  rho: number, work: Float64Array, wOff: number): number => {
  const d1 = d[dOff + 1]!, d2 = d[dOff + 2]!, z1 = z[zOff + 1]!, z2 = z[zOff + 2]!
  const del = d2 - d1
  const delsq = del * (d2 + d1)
  let dsigma: number
  if (i === 1) {
    const w = 1 + 4 * rho * (z2 * z2 / (d1 + 3 * d2) - z1 * z1 / (3 * d1 + d2)) / del
    if (w > 0) {
      const b = delsq + rho * (z1 * z1 + z2 * z2)
      const c = rho * z1 * z1 * delsq
      let tau = 2 * c / (b + Math.sqrt(Math.abs(b * b - 4 * c)))
      tau = tau / (d1 + Math.sqrt(d1 * d1 + tau))
      dsigma = d1 + tau
      delta[deOff + 1] = -tau
      delta[deOff + 2] = del - tau
      work[wOff + 1] = 2 * d1 + tau
      work[wOff + 2] = (d1 + tau) + d2
    } else {
      const b = -delsq + rho * (z1 * z1 + z2 * z2)
      const c = rho * z2 * z2 * delsq
      let tau = b > 0 ? -2 * c / (b + Math.sqrt(b * b + 4 * c)) : (b - Math.sqrt(b * b + 4 * c)) / 2
      tau = tau / (d2 + Math.sqrt(Math.abs(d2 * d2 + tau)))
      dsigma = d2 + tau
      delta[deOff + 1] = -(del + tau)
      delta[deOff + 2] = -tau
      work[wOff + 1] = d1 + tau + d2
      work[wOff + 2] = 2 * d2 + tau
    }
  } else {
    const b = -delsq + rho * (z1 * z1 + z2 * z2)
    const c = rho * z2 * z2 * delsq
    let tau = b > 0 ? (b + Math.sqrt(b * b + 4 * c)) / 2 : 2 * c / (-b + Math.sqrt(b * b + 4 * c))
    tau = tau / (d2 + Math.sqrt(d2 * d2 + tau))
    dsigma = d2 + tau
    delta[deOff + 1] = -(del + tau)
    delta[deOff + 2] = -tau
    work[wOff + 1] = d1 + tau + d2
    work[wOff + 2] = 2 * d2 + tau
  }
  return dsigma
}

const SMALL1 = 2 ** Math.trunc(Math.log(SAFMIN) / Math.log(2) / 3)
const SMINV1 = 1 / SMALL1
const SMALL2 = SMALL1 * SMALL1
const SMINV2 = SMINV1 * SMINV1

/** dlaed6: the root τ of f(x) = finit + ρ·x·Σ z_i/(d_i(d_i − x)) nearest the origin (Gragg–Thornton–Warner
 *  cubic scheme). d, z: 3 values (0-based here). Returns NaN when it does not converge. */
const laed6 = (kniter: number, orgati: boolean, rho: number, d: Float64Array, z: Float64Array, finit: number, ds: Float64Array, zs: Float64Array): number => {
  let lbd: number, ubd: number
  if (orgati) { lbd = d[1]!; ubd = d[2]! } else { lbd = d[0]!; ubd = d[1]! }
  if (finit < 0) lbd = 0
  else ubd = 0
  let tau = 0
  if (kniter === 2) {
    let a: number, b: number, c: number
    if (orgati) {
      const temp = (d[2]! - d[1]!) / 2
      c = rho + z[0]! / ((d[0]! - d[1]!) - temp)
      a = c * (d[1]! + d[2]!) + z[1]! + z[2]!
      b = c * d[1]! * d[2]! + z[1]! * d[2]! + z[2]! * d[1]!
    } else {
      const temp = (d[0]! - d[1]!) / 2
      c = rho + z[2]! / ((d[2]! - d[1]!) - temp)
      a = c * (d[0]! + d[1]!) + z[0]! + z[1]!
      b = c * d[0]! * d[1]! + z[0]! * d[1]! + z[1]! * d[0]!
    }
    const temp = Math.max(Math.abs(a), Math.abs(b), Math.abs(c))
    a /= temp; b /= temp; c /= temp
    if (c === 0) tau = b / a
    else if (a <= 0) tau = (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c)
    else tau = 2 * b / (a + Math.sqrt(Math.abs(a * a - 4 * b * c)))
    if (tau < lbd || tau > ubd) tau = (lbd + ubd) / 2
    if (d[0] === tau || d[1] === tau || d[2] === tau) {
      tau = 0
    } else {
      const temp2 = finit + tau * z[0]! / (d[0]! * (d[0]! - tau)) + tau * z[1]! / (d[1]! * (d[1]! - tau)) + tau * z[2]! / (d[2]! * (d[2]! - tau))
      if (temp2 <= 0) lbd = tau
      else ubd = tau
      if (Math.abs(finit) <= Math.abs(temp2)) tau = 0
    }
  }
  let temp = orgati ? Math.min(Math.abs(d[1]! - tau), Math.abs(d[2]! - tau)) : Math.min(Math.abs(d[0]! - tau), Math.abs(d[1]! - tau))
  let scale = false
  let sclinv = 1
  if (temp <= SMALL1) {
    scale = true
    let sclfac: number
    if (temp <= SMALL2) { sclfac = SMINV2; sclinv = SMALL2 } else { sclfac = SMINV1; sclinv = SMALL1 }
    for (let i = 0; i < 3; i++) { ds[i] = d[i]! * sclfac; zs[i] = z[i]! * sclfac }
    tau *= sclfac; lbd *= sclfac; ubd *= sclfac
  } else {
    for (let i = 0; i < 3; i++) { ds[i] = d[i]!; zs[i] = z[i]! }
  }
  let fc = 0, df = 0, ddf = 0
  for (let i = 0; i < 3; i++) {
    temp = 1 / (ds[i]! - tau)
    const temp1 = zs[i]! * temp, temp2 = temp1 * temp, temp3 = temp2 * temp
    fc += temp1 / ds[i]!
    df += temp2
    ddf += temp3
  }
  let f = finit + tau * fc
  let converged = Math.abs(f) <= 0
  if (!converged) {
    if (f <= 0) lbd = tau
    else ubd = tau
    for (let niter = 2; niter <= MAXIT_LAED6; niter++) {
      let temp1: number, temp2: number
      if (orgati) { temp1 = ds[1]! - tau; temp2 = ds[2]! - tau } else { temp1 = ds[0]! - tau; temp2 = ds[1]! - tau }
      let a = (temp1 + temp2) * f - temp1 * temp2 * df
      let b = temp1 * temp2 * f
      let c = f - (temp1 + temp2) * df + temp1 * temp2 * ddf
      temp = Math.max(Math.abs(a), Math.abs(b), Math.abs(c))
      a /= temp; b /= temp; c /= temp
      let eta: number
      if (c === 0) eta = b / a
      else if (a <= 0) eta = (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c)
      else eta = 2 * b / (a + Math.sqrt(Math.abs(a * a - 4 * b * c)))
      if (f * eta >= 0) eta = -f / df
      tau += eta
      if (tau < lbd || tau > ubd) tau = (lbd + ubd) / 2
      fc = 0; let erretm = 0; df = 0; ddf = 0
      for (let i = 0; i < 3; i++) {
        temp = 1 / (ds[i]! - tau)
        const t1 = zs[i]! * temp, t2 = t1 * temp, t3 = t2 * temp, t4 = t1 / ds[i]!
        fc += t4
        erretm += Math.abs(t4)
        df += t2
        ddf += t3
      }
      f = finit + tau * fc
      erretm = 8 * (Math.abs(finit) + Math.abs(tau) * erretm) + Math.abs(tau) * df
      if (Math.abs(f) <= EPS * erretm) { converged = true; break }
      if (f <= 0) lbd = tau
      else ubd = tau
    }
  }
  if (!converged) return NaN
  return scale ? tau * sclinv : tau
}

/**
 * dlasd4: the i-th root σ_i of the secular equation 1 + ρ·Σ z_j²/((d_j − σ)(d_j + σ)) = 0, with
 * 0 ≤ d_1 < … < d_n and ‖z‖ = 1. Writes DELTA(j) = d_j − σ_i and WORK(j) = d_j + σ_i (computed from
 * the nearest pole, hence accurate differences). Arrays 1-based with offsets. Returns NaN on failure.
 */
const lasd4 = (n: number, i: number, d: Float64Array, dOff: number, z: Float64Array, zOff: number,
  delta: Float64Array, deOff: number, rho: number, work: Float64Array, wOff: number, s3: Float64Array): number => {
  const D = (j: number): number => d[dOff + j]!
  const Z = (j: number): number => z[zOff + j]!
  if (n === 1) {
    delta[deOff + 1] = 1; work[wOff + 1] = 1
    return Math.sqrt(D(1) * D(1) + rho * Z(1) * Z(1))
  }
  if (n === 2) return lasd5(i, d, dOff, z, zOff, delta, deOff, rho, work, wOff)
  const rhoinv = 1 / rho
  let sigma: number
  let tau: number, eta: number
  let a: number, b: number, c: number, w: number
  let psi: number, dpsi: number, phi: number, dphi: number, erretm: number, temp: number, temp1: number
  if (i === n) {
    const ii = n - 1
    let niter = 1
    temp = rho / 2
    temp1 = temp / (D(n) + Math.sqrt(D(n) * D(n) + temp))
    for (let j = 1; j <= n; j++) {
      work[wOff + j] = D(j) + D(n) + temp1
      delta[deOff + j] = (D(j) - D(n)) - temp1
    }
    psi = 0
    for (let j = 1; j <= n - 2; j++) psi += Z(j) * Z(j) / (delta[deOff + j]! * work[wOff + j]!)
    c = rhoinv + psi
    w = c + Z(ii) * Z(ii) / (delta[deOff + ii]! * work[wOff + ii]!) + Z(n) * Z(n) / (delta[deOff + n]! * work[wOff + n]!)
    if (w <= 0) {
      temp1 = Math.sqrt(D(n) * D(n) + rho)
      temp = Z(n - 1) * Z(n - 1) / ((D(n - 1) + temp1) * (D(n) - D(n - 1) + rho / (D(n) + temp1))) + Z(n) * Z(n) / rho
      if (c <= temp) {
        tau = rho
      } else {
        const delsq = (D(n) - D(n - 1)) * (D(n) + D(n - 1))
        a = -c * delsq + Z(n - 1) * Z(n - 1) + Z(n) * Z(n)
        b = Z(n) * Z(n) * delsq
        tau = a < 0 ? 2 * b / (Math.sqrt(a * a + 4 * b * c) - a) : (a + Math.sqrt(a * a + 4 * b * c)) / (2 * c)
      }
    } else {
      const delsq = (D(n) - D(n - 1)) * (D(n) + D(n - 1))
      a = -c * delsq + Z(n - 1) * Z(n - 1) + Z(n) * Z(n)
      b = Z(n) * Z(n) * delsq
      tau = a < 0 ? 2 * b / (Math.sqrt(a * a + 4 * b * c) - a) : (a + Math.sqrt(a * a + 4 * b * c)) / (2 * c)
    }
    eta = tau / (D(n) + Math.sqrt(D(n) * D(n) + tau))
    sigma = D(n) + eta
    for (let j = 1; j <= n; j++) {
      delta[deOff + j] = (D(j) - D(i)) - eta
      work[wOff + j] = D(j) + D(i) + eta
    }
    // psi, dpsi
    dpsi = 0; psi = 0; erretm = 0
    for (let j = 1; j <= ii; j++) {
      temp = Z(j) / (delta[deOff + j]! * work[wOff + j]!)
      psi += Z(j) * temp
      dpsi += temp * temp
      erretm += psi
    }
    erretm = Math.abs(erretm)
    temp = Z(n) / (delta[deOff + n]! * work[wOff + n]!)
    phi = Z(n) * temp
    dphi = temp * temp
    erretm = 8 * (-phi - psi) + erretm - phi + rhoinv + Math.abs(tau) * (dpsi + dphi)
    w = rhoinv + phi + psi
    if (Math.abs(w) <= EPS * erretm) return sigma
    niter++
    let dtnsq1 = work[wOff + n - 1]! * delta[deOff + n - 1]!
    let dtnsq = work[wOff + n]! * delta[deOff + n]!
    c = w - dtnsq1 * dpsi - dtnsq * dphi
    a = (dtnsq + dtnsq1) * w - dtnsq * dtnsq1 * (dpsi + dphi)
    b = dtnsq * dtnsq1 * w
    if (c < 0) c = Math.abs(c)
    if (c === 0) eta = rho - sigma * sigma
    else if (a >= 0) eta = (a + Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c)
    else eta = 2 * b / (a - Math.sqrt(Math.abs(a * a - 4 * b * c)))
    if (w * eta > 0) eta = -w / (dpsi + dphi)
    temp = eta - dtnsq
    if (temp > rho) eta = rho + dtnsq
    tau += eta
    eta = eta / (sigma + Math.sqrt(eta + sigma * sigma))
    for (let j = 1; j <= n; j++) { delta[deOff + j] = delta[deOff + j]! - eta; work[wOff + j] = work[wOff + j]! + eta }
    sigma += eta
    dpsi = 0; psi = 0; erretm = 0
    for (let j = 1; j <= ii; j++) {
      temp = Z(j) / (work[wOff + j]! * delta[deOff + j]!)
      psi += Z(j) * temp
      dpsi += temp * temp
      erretm += psi
    }
    erretm = Math.abs(erretm)
    temp = Z(n) / (work[wOff + n]! * delta[deOff + n]!)
    phi = Z(n) * temp
    dphi = temp * temp
    erretm = 8 * (-phi - psi) + erretm - phi + rhoinv + Math.abs(tau) * (dpsi + dphi)
    w = rhoinv + phi + psi
    for (niter = niter + 1; niter <= MAXIT_LASD4; niter++) {
      if (Math.abs(w) <= EPS * erretm) return sigma
      dtnsq1 = work[wOff + n - 1]! * delta[deOff + n - 1]!
      dtnsq = work[wOff + n]! * delta[deOff + n]!
      c = w - dtnsq1 * dpsi - dtnsq * dphi
      a = (dtnsq + dtnsq1) * w - dtnsq1 * dtnsq * (dpsi + dphi)
      b = dtnsq1 * dtnsq * w
      if (a >= 0) eta = (a + Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c)
      else eta = 2 * b / (a - Math.sqrt(Math.abs(a * a - 4 * b * c)))
      if (w * eta > 0) eta = -w / (dpsi + dphi)
      temp = eta - dtnsq
      if (temp <= 0) eta = eta / 2
      tau += eta
      eta = eta / (sigma + Math.sqrt(eta + sigma * sigma))
      for (let j = 1; j <= n; j++) { delta[deOff + j] = delta[deOff + j]! - eta; work[wOff + j] = work[wOff + j]! + eta }
      sigma += eta
      dpsi = 0; psi = 0; erretm = 0
      for (let j = 1; j <= ii; j++) {
        temp = Z(j) / (work[wOff + j]! * delta[deOff + j]!)
        psi += Z(j) * temp
        dpsi += temp * temp
        erretm += psi
      }
      erretm = Math.abs(erretm)
      temp = Z(n) / (work[wOff + n]! * delta[deOff + n]!)
      phi = Z(n) * temp
      dphi = temp * temp
      erretm = 8 * (-phi - psi) + erretm - phi + rhoinv + Math.abs(tau) * (dpsi + dphi)
      w = rhoinv + phi + psi
    }
    return NaN
  }
  // the case i < n
  let niter = 1
  const ip1 = i + 1
  const delsq = (D(ip1) - D(i)) * (D(ip1) + D(i))
  const delsq2 = delsq / 2
  temp = delsq2 / (D(i) + Math.sqrt(D(i) * D(i) + delsq2))
  for (let j = 1; j <= n; j++) {
    work[wOff + j] = D(j) + D(i) + temp
    delta[deOff + j] = (D(j) - D(i)) - temp
  }
  psi = 0
  for (let j = 1; j <= i - 1; j++) psi += Z(j) * Z(j) / (work[wOff + j]! * delta[deOff + j]!)
  phi = 0
  for (let j = n; j >= i + 2; j--) phi += Z(j) * Z(j) / (work[wOff + j]! * delta[deOff + j]!)
  c = rhoinv + psi + phi
  w = c + Z(i) * Z(i) / (work[wOff + i]! * delta[deOff + i]!) + Z(ip1) * Z(ip1) / (work[wOff + ip1]! * delta[deOff + ip1]!)
  let orgati: boolean
  let sg2lb: number, sg2ub: number
  if (w > 0) {
    orgati = true
    sg2lb = 0; sg2ub = delsq2
    a = c * delsq + Z(i) * Z(i) + Z(ip1) * Z(ip1)
    b = Z(i) * Z(i) * delsq
    tau = a > 0 ? 2 * b / (a + Math.sqrt(Math.abs(a * a - 4 * b * c))) : (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c)
    eta = tau / (D(i) + Math.sqrt(D(i) * D(i) + tau))
  } else {
    orgati = false
    sg2lb = -delsq2; sg2ub = 0
    a = c * delsq - Z(i) * Z(i) - Z(ip1) * Z(ip1)
    b = Z(ip1) * Z(ip1) * delsq
    tau = a < 0 ? 2 * b / (a - Math.sqrt(Math.abs(a * a + 4 * b * c))) : -(a + Math.sqrt(Math.abs(a * a + 4 * b * c))) / (2 * c)
    eta = tau / (D(ip1) + Math.sqrt(Math.abs(D(ip1) * D(ip1) + tau)))
  }
  let ii: number
  if (orgati) {
    ii = i
    sigma = D(i) + eta
    for (let j = 1; j <= n; j++) { work[wOff + j] = D(j) + D(i) + eta; delta[deOff + j] = (D(j) - D(i)) - eta }
  } else {
    ii = i + 1
    sigma = D(ip1) + eta
    for (let j = 1; j <= n; j++) { work[wOff + j] = D(j) + D(ip1) + eta; delta[deOff + j] = (D(j) - D(ip1)) - eta }
  }
  const iim1 = ii - 1, iip1 = ii + 1
  dpsi = 0; psi = 0; erretm = 0
  for (let j = 1; j <= iim1; j++) {
    temp = Z(j) / (work[wOff + j]! * delta[deOff + j]!)
    psi += Z(j) * temp
    dpsi += temp * temp
    erretm += psi
  }
  erretm = Math.abs(erretm)
  dphi = 0; phi = 0
  for (let j = n; j >= iip1; j--) {
    temp = Z(j) / (work[wOff + j]! * delta[deOff + j]!)
    phi += Z(j) * temp
    dphi += temp * temp
    erretm += phi
  }
  w = rhoinv + phi + psi
  let swtch3 = false
  if (orgati) { if (w < 0) swtch3 = true } else if (w > 0) swtch3 = true
  if (ii === 1 || ii === n) swtch3 = false
  temp = Z(ii) / (work[wOff + ii]! * delta[deOff + ii]!)
  let dw = dpsi + dphi + temp * temp
  temp = Z(ii) * temp
  w += temp
  erretm = 8 * (phi - psi) + erretm + 2 * rhoinv + 3 * Math.abs(temp) + Math.abs(tau) * dw
  if (Math.abs(w) <= EPS * erretm) return sigma
  if (w <= 0) sg2lb = Math.max(sg2lb, tau)
  else sg2ub = Math.min(sg2ub, tau)
  niter++
  const dd = s3, zz = s3.subarray(3, 6), scr1 = s3.subarray(6, 9), scr2 = s3.subarray(9, 12)
  let dtipsq: number, dtisq: number
  if (!swtch3) {
    dtipsq = work[wOff + ip1]! * delta[deOff + ip1]!
    dtisq = work[wOff + i]! * delta[deOff + i]!
    if (orgati) c = w - dtipsq * dw + delsq * (Z(i) / dtisq) ** 2
    else c = w - dtisq * dw - delsq * (Z(ip1) / dtipsq) ** 2
    a = (dtipsq + dtisq) * w - dtipsq * dtisq * dw
    b = dtipsq * dtisq * w
    if (c === 0) {
      if (a === 0) {
        if (orgati) a = Z(i) * Z(i) + dtipsq * dtipsq * (dpsi + dphi)
        else a = Z(ip1) * Z(ip1) + dtisq * dtisq * (dpsi + dphi)
      }
      eta = b / a
    } else if (a <= 0) eta = (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c)
    else eta = 2 * b / (a + Math.sqrt(Math.abs(a * a - 4 * b * c)))
  } else {
    const dtiim = work[wOff + iim1]! * delta[deOff + iim1]!
    const dtiip = work[wOff + iip1]! * delta[deOff + iip1]!
    temp = rhoinv + psi + phi
    if (orgati) {
      temp1 = Z(iim1) / dtiim
      temp1 = temp1 * temp1
      c = (temp - dtiip * (dpsi + dphi)) - (D(iim1) - D(iip1)) * (D(iim1) + D(iip1)) * temp1
      zz[0] = Z(iim1) * Z(iim1)
      if (dpsi < temp1) zz[2] = dtiip * dtiip * dphi
      else zz[2] = dtiip * dtiip * ((dpsi - temp1) + dphi)
    } else {
      temp1 = Z(iip1) / dtiip
      temp1 = temp1 * temp1
      c = (temp - dtiim * (dpsi + dphi)) - (D(iip1) - D(iim1)) * (D(iim1) + D(iip1)) * temp1
      if (dphi < temp1) zz[0] = dtiim * dtiim * dpsi
      else zz[0] = dtiim * dtiim * (dpsi + (dphi - temp1))
      zz[2] = Z(iip1) * Z(iip1)
    }
    zz[1] = Z(ii) * Z(ii)
    dd[0] = dtiim
    dd[1] = delta[deOff + ii]! * work[wOff + ii]!
    dd[2] = dtiip
    eta = laed6(niter, orgati, c, dd, zz, w, scr1, scr2)
    if (Number.isNaN(eta)) return NaN
  }
  if (w * eta >= 0) eta = -w / dw
  temp1 = orgati ? work[wOff + i]! * delta[deOff + i]! : work[wOff + ip1]! * delta[deOff + ip1]!
  temp = eta - temp1
  if (temp > sg2ub || temp < sg2lb) eta = w < 0 ? (sg2ub - tau) / 2 : (sg2lb - tau) / 2
  tau += eta
  eta = eta / (sigma + Math.sqrt(sigma * sigma + eta))
  let prew = w
  sigma += eta
  for (let j = 1; j <= n; j++) { work[wOff + j] = work[wOff + j]! + eta; delta[deOff + j] = delta[deOff + j]! - eta }
  dpsi = 0; psi = 0; erretm = 0
  for (let j = 1; j <= iim1; j++) {
    temp = Z(j) / (work[wOff + j]! * delta[deOff + j]!)
    psi += Z(j) * temp
    dpsi += temp * temp
    erretm += psi
  }
  erretm = Math.abs(erretm)
  dphi = 0; phi = 0
  for (let j = n; j >= iip1; j--) {
    temp = Z(j) / (work[wOff + j]! * delta[deOff + j]!)
    phi += Z(j) * temp
    dphi += temp * temp
    erretm += phi
  }
  temp = Z(ii) / (work[wOff + ii]! * delta[deOff + ii]!)
  dw = dpsi + dphi + temp * temp
  temp = Z(ii) * temp
  w = rhoinv + phi + psi + temp
  erretm = 8 * (phi - psi) + erretm + 2 * rhoinv + 3 * Math.abs(temp) + Math.abs(tau) * dw
  if (w <= 0) sg2lb = Math.max(sg2lb, tau)
  else sg2ub = Math.min(sg2ub, tau)
  let swtch = false
  if (orgati) { if (-w > Math.abs(prew) / 10) swtch = true } else if (w > Math.abs(prew) / 10) swtch = true
  for (niter = niter + 1; niter <= MAXIT_LASD4; niter++) {
    if (Math.abs(w) <= EPS * erretm) return sigma
    if (!swtch3) {
      dtipsq = work[wOff + ip1]! * delta[deOff + ip1]!
      dtisq = work[wOff + i]! * delta[deOff + i]!
      if (!swtch) {
        if (orgati) c = w - dtipsq * dw + delsq * (Z(i) / dtisq) ** 2
        else c = w - dtisq * dw - delsq * (Z(ip1) / dtipsq) ** 2
      } else {
        temp = Z(ii) / (work[wOff + ii]! * delta[deOff + ii]!)
        if (orgati) dpsi += temp * temp
        else dphi += temp * temp
        c = w - dtisq * dpsi - dtipsq * dphi
      }
      a = (dtipsq + dtisq) * w - dtipsq * dtisq * dw
      b = dtipsq * dtisq * w
      if (c === 0) {
        if (a === 0) {
          if (!swtch) {
            if (orgati) a = Z(i) * Z(i) + dtipsq * dtipsq * (dpsi + dphi)
            else a = Z(ip1) * Z(ip1) + dtisq * dtisq * (dpsi + dphi)
          } else a = dtisq * dtisq * dpsi + dtipsq * dtipsq * dphi
        }
        eta = b / a
      } else if (a <= 0) eta = (a - Math.sqrt(Math.abs(a * a - 4 * b * c))) / (2 * c)
      else eta = 2 * b / (a + Math.sqrt(Math.abs(a * a - 4 * b * c)))
    } else {
      const dtiim = work[wOff + iim1]! * delta[deOff + iim1]!
      const dtiip = work[wOff + iip1]! * delta[deOff + iip1]!
      temp = rhoinv + psi + phi
      if (swtch) {
        c = temp - dtiim * dpsi - dtiip * dphi
        zz[0] = dtiim * dtiim * dpsi
        zz[2] = dtiip * dtiip * dphi
      } else if (orgati) {
        temp1 = Z(iim1) / dtiim
        temp1 = temp1 * temp1
        const temp2 = (D(iim1) - D(iip1)) * (D(iim1) + D(iip1)) * temp1
        c = temp - dtiip * (dpsi + dphi) - temp2
        zz[0] = Z(iim1) * Z(iim1)
        if (dpsi < temp1) zz[2] = dtiip * dtiip * dphi
        else zz[2] = dtiip * dtiip * ((dpsi - temp1) + dphi)
      } else {
        temp1 = Z(iip1) / dtiip
        temp1 = temp1 * temp1
        const temp2 = (D(iip1) - D(iim1)) * (D(iim1) + D(iip1)) * temp1
        c = temp - dtiim * (dpsi + dphi) - temp2
        if (dphi < temp1) zz[0] = dtiim * dtiim * dpsi
        else zz[0] = dtiim * dtiim * (dpsi + (dphi - temp1))
        zz[2] = Z(iip1) * Z(iip1)
      }
      dd[0] = dtiim
      dd[1] = delta[deOff + ii]! * work[wOff + ii]!
      dd[2] = dtiip
      eta = laed6(niter, orgati, c, dd, zz, w, scr1, scr2)
      if (Number.isNaN(eta)) return NaN
    }
    if (w * eta >= 0) eta = -w / dw
    temp1 = orgati ? work[wOff + i]! * delta[deOff + i]! : work[wOff + ip1]! * delta[deOff + ip1]!
    temp = eta - temp1
    if (temp > sg2ub || temp < sg2lb) eta = w < 0 ? (sg2ub - tau) / 2 : (sg2lb - tau) / 2
    tau += eta
    eta = eta / (sigma + Math.sqrt(sigma * sigma + eta))
    sigma += eta
    for (let j = 1; j <= n; j++) { work[wOff + j] = work[wOff + j]! + eta; delta[deOff + j] = delta[deOff + j]! - eta }
    prew = w
    dpsi = 0; psi = 0; erretm = 0
    for (let j = 1; j <= iim1; j++) {
      temp = Z(j) / (work[wOff + j]! * delta[deOff + j]!)
      psi += Z(j) * temp
      dpsi += temp * temp
      erretm += psi
    }
    erretm = Math.abs(erretm)
    dphi = 0; phi = 0
    for (let j = n; j >= iip1; j--) {
      temp = Z(j) / (work[wOff + j]! * delta[deOff + j]!)
      phi += Z(j) * temp
      dphi += temp * temp
      erretm += phi
    }
    temp = Z(ii) / (work[wOff + ii]! * delta[deOff + ii]!)
    dw = dpsi + dphi + temp * temp
    temp = Z(ii) * temp
    w = rhoinv + phi + psi + temp
    erretm = 8 * (phi - psi) + erretm + 2 * rhoinv + 3 * Math.abs(temp) + Math.abs(tau) * dw
    if (w * prew > 0 && Math.abs(w) > Math.abs(prew) / 10) swtch = !swtch
    if (w <= 0) sg2lb = Math.max(sg2lb, tau)
    else sg2ub = Math.min(sg2ub, tau)
  }
  return NaN
}

/**
 * dlasd2: deflation of the merged problem. D(1..n) = d[dOff + 1..], U block at uo (column-major, ldu),
 * VT block at vo (row-major, ldvt), IDXQ(j) = idxq[qOff + j]. Returns K (the non-deflated size); the
 * work arrays hold z, dsigma, U2, VT2, idxc and ctot (coltyp[1..4]).
 */
const lasd2 = (nl: number, nr: number, sqre: number, d: Float64Array, dOff: number, alpha: number, beta: number,
  u: Float64Array, uo: number, ldu: number, vt: Float64Array, vo: number, ldvt: number, idxq: Int32Array, qOff: number, w: Work): number => {
  const n = nl + nr + 1, m = n + sqre
  const ldu2 = n, ldvt2 = m
  const { z, dsigma, u2, vt2, idxp, idx, idxc, coltyp } = w
  const nlp1 = nl + 1, nlp2 = nl + 2
  const U = (i: number, j: number): number => uo + (i - 1) + (j - 1) * ldu
  const VT = (i: number, j: number): number => vo + (i - 1) * ldvt + (j - 1)
  const U2 = (i: number, j: number): number => (i - 1) + (j - 1) * ldu2
  const VT2 = (i: number, j: number): number => (i - 1) * ldvt2 + (j - 1)
  const z1 = alpha * vt[VT(nlp1, nlp1)]!
  z[1] = z1
  for (let i = nl; i >= 1; i--) {
    z[i + 1] = alpha * vt[VT(i, nlp1)]!
    d[dOff + i + 1] = d[dOff + i]!
    idxq[qOff + i + 1] = idxq[qOff + i]! + 1
  }
  for (let i = nlp2; i <= m; i++) z[i] = beta * vt[VT(i, nlp2)]!
  for (let i = 2; i <= nlp1; i++) coltyp[i] = 1
  for (let i = nlp2; i <= n; i++) coltyp[i] = 2
  for (let i = nlp2; i <= n; i++) idxq[qOff + i] = idxq[qOff + i]! + nlp1
  for (let i = 2; i <= n; i++) {
    const q = idxq[qOff + i]!
    dsigma[i] = d[dOff + q]!
    u2[U2(i, 1)] = z[q]!
    idxc[i] = coltyp[q]!
  }
  lamrg(nl, nr, dsigma, 1, 1, 1, idx, 1)
  for (let i = 2; i <= n; i++) {
    const idxi = 1 + idx[i]!
    d[dOff + i] = dsigma[idxi]!
    z[i] = u2[U2(idxi, 1)]!
    coltyp[i] = idxc[idxi]!
  }
  let tol = Math.max(Math.abs(alpha), Math.abs(beta))
  tol = 8 * EPS * Math.max(Math.abs(d[dOff + n]!), tol)
  let k = 1, k2 = n + 1
  let jprev = 0
  let skip = false
  for (let j = 2; j <= n; j++) {
    if (Math.abs(z[j]!) <= tol) {
      k2--; idxp[k2] = j; coltyp[j] = 4
      if (j === n) { skip = true; break }
    } else { jprev = j; break }
  }
  if (!skip) {
    let j = jprev
    for (;;) {
      j++
      if (j > n) break
      if (Math.abs(z[j]!) <= tol) {
        k2--; idxp[k2] = j; coltyp[j] = 4
      } else if (Math.abs(d[dOff + j]! - d[dOff + jprev]!) <= tol) {
        let s = z[jprev]!, c = z[j]!
        const tau = Math.hypot(c, s)
        c = c / tau; s = -s / tau
        z[j] = tau; z[jprev] = 0
        let idxjp = idxq[qOff + idx[jprev]! + 1]!, idxj = idxq[qOff + idx[j]! + 1]!
        if (idxjp <= nlp1) idxjp--
        if (idxj <= nlp1) idxj--
        rotRows(n, u, U(1, idxjp), U(1, idxj), c, s)
        rotRows(m, vt, VT(idxjp, 1), VT(idxj, 1), c, s)
        if (coltyp[j] !== coltyp[jprev]) coltyp[j] = 3
        coltyp[jprev] = 4
        k2--; idxp[k2] = jprev
        jprev = j
      } else {
        k++
        u2[U2(k, 1)] = z[jprev]!
        dsigma[k] = d[dOff + jprev]!
        idxp[k] = jprev
        jprev = j
      }
    }
    k++
    u2[U2(k, 1)] = z[jprev]!
    dsigma[k] = d[dOff + jprev]!
    idxp[k] = jprev
  }
  const ctot = [0, 0, 0, 0, 0]
  for (let j = 2; j <= n; j++) ctot[coltyp[j]!]!++
  const psm = [0, 2, 2 + ctot[1]!, 0, 0]
  psm[3] = psm[2]! + ctot[2]!
  psm[4] = psm[3]! + ctot[3]!
  for (let j = 2; j <= n; j++) {
    const ct = coltyp[idxp[j]!]!
    idxc[psm[ct]!] = j
    psm[ct]!++
  }
  for (let j = 2; j <= n; j++) {
    dsigma[j] = d[dOff + idxp[j]!]!
    let idxj = idxq[qOff + idx[idxp[idxc[j]!]!]! + 1]!
    if (idxj <= nlp1) idxj--
    const uc = U(1, idxj), vr = VT(idxj, 1)
    u2.set(u.subarray(uc, uc + n), U2(1, j))
    vt2.set(vt.subarray(vr, vr + m), VT2(j, 1))
  }
  dsigma[1] = 0
  const hlftol = tol / 2
  if (Math.abs(dsigma[2]!) <= hlftol) dsigma[2] = hlftol
  let c = 1, s = 0
  if (m > n) {
    z[1] = Math.hypot(z1, z[m]!)
    if (z[1]! <= tol) { c = 1; s = 0; z[1] = tol } else { c = z1 / z[1]!; s = z[m]! / z[1]! }
  } else {
    z[1] = Math.abs(z1) <= tol ? tol : z1
  }
  for (let i = 2; i <= k; i++) z[i] = u2[U2(i, 1)]!
  for (let i = 1; i <= n; i++) u2[U2(i, 1)] = 0
  u2[U2(nlp1, 1)] = 1
  if (m > n) {
    for (let i = 1; i <= nlp1; i++) {
      vt[VT(m, i)] = -s * vt[VT(nlp1, i)]!
      vt2[VT2(1, i)] = c * vt[VT(nlp1, i)]!
    }
    for (let i = nlp2; i <= m; i++) {
      vt2[VT2(1, i)] = s * vt[VT(m, i)]!
      vt[VT(m, i)] = c * vt[VT(m, i)]!
    }
  } else {
    for (let i = 1; i <= m; i++) vt2[VT2(1, i)] = vt[VT(nlp1, i)]!
  }
  if (m > n) for (let i = 1; i <= m; i++) vt2[VT2(m, i)] = vt[VT(m, i)]!
  if (n > k) {
    for (let i = k + 1; i <= n; i++) d[dOff + i] = dsigma[i]!
    for (let j = k + 1; j <= n; j++) u.set(u2.subarray(U2(1, j), U2(1, j) + n), U(1, j))
    for (let i = k + 1; i <= n; i++) vt.set(vt2.subarray(VT2(i, 1), VT2(i, 1) + m), VT(i, 1))
  }
  for (let j = 1; j <= 4; j++) coltyp[j] = ctot[j]!
  return k
}

/** dlasd3: solves the secular equation of the deflated problem (size k) and forms the vectors with GEMMs. */
const lasd3 = (op: string, nl: number, nr: number, sqre: number, k: number, d: Float64Array, dOff: number,
  u: Float64Array, uo: number, ldu: number, vt: Float64Array, vo: number, ldvt: number, w: Work, s3: Float64Array): void => {
  const n = nl + nr + 1, m = n + sqre
  const nlp1 = nl + 1, nlp2 = nl + 2
  const ldu2 = n, ldvt2 = m, ldq = k
  const { z, dsigma, u2, vt2, q, idxc } = w
  const wk = vt // dlasd4's WORK vectors (d_j + σ_i) live in the free rows 1..k of VT, as in the reference
  const ctot = w.coltyp // ctot[1..4]
  const U = (i: number, j: number): number => uo + (i - 1) + (j - 1) * ldu
  const VT = (i: number, j: number): number => vo + (i - 1) * ldvt + (j - 1)
  const U2 = (i: number, j: number): number => (i - 1) + (j - 1) * ldu2
  const VT2 = (i: number, j: number): number => (i - 1) * ldvt2 + (j - 1)
  const Q = (i: number, j: number): number => (i - 1) + (j - 1) * ldq
  const WK = (i: number, j: number): number => vo + (i - 1) + (j - 1) * ldvt
  if (k === 1) {
    d[dOff + 1] = Math.abs(z[1]!)
    vt.set(vt2.subarray(0, m), VT(1, 1))
    if (z[1]! > 0) for (let i = 1; i <= n; i++) u[U(i, 1)] = u2[U2(i, 1)]!
    else for (let i = 1; i <= n; i++) u[U(i, 1)] = -u2[U2(i, 1)]!
    return
  }
  for (let i = 1; i <= k; i++) q[Q(i, 1)] = z[i]!
  let rho = 0
  for (let i = 1; i <= k; i++) rho += z[i]! * z[i]!
  rho = Math.sqrt(rho)
  for (let i = 1; i <= k; i++) z[i] = z[i]! / rho
  rho = rho * rho
  for (let j = 1; j <= k; j++) {
    // DELTA = U(1:k, j) (contiguous column), WORK = WK(1:k, j)
    const sj = lasd4(k, j, dsigma, 0, z, 0, u, U(1, j) - 1, rho, wk, WK(1, j) - 1, s3)
    if (Number.isNaN(sj)) throw new NoConvergence(op, MAXIT_LASD4, `secular equation (dlasd4) root ${j} of ${k} did not converge in the divide-and-conquer SVD`)
    d[dOff + j] = sj
  }
  for (let i = 1; i <= k; i++) {
    let zi = u[U(i, k)]! * wk[WK(i, k)]!
    const di = dsigma[i]!
    for (let j = 1; j <= i - 1; j++) zi = zi * (u[U(i, j)]! * wk[WK(i, j)]! / (di - dsigma[j]!) / (di + dsigma[j]!))
    for (let j = i; j <= k - 1; j++) zi = zi * (u[U(i, j)]! * wk[WK(i, j)]! / (di - dsigma[j + 1]!) / (di + dsigma[j + 1]!))
    z[i] = sign(Math.sqrt(Math.abs(zi)), q[Q(i, 1)]!)
  }
  for (let i = 1; i <= k; i++) {
    wk[WK(1, i)] = z[1]! / u[U(1, i)]! / wk[WK(1, i)]!
    u[U(1, i)] = -1
    for (let j = 2; j <= k; j++) {
      wk[WK(j, i)] = z[j]! / u[U(j, i)]! / wk[WK(j, i)]!
      u[U(j, i)] = dsigma[j]! * wk[WK(j, i)]!
    }
    let temp = 0
    for (let j = 1; j <= k; j++) temp += u[U(j, i)]! * u[U(j, i)]!
    temp = Math.sqrt(temp)
    q[Q(1, i)] = u[U(1, i)]! / temp
    for (let j = 2; j <= k; j++) q[Q(j, i)] = u[U(idxc[j]!, i)]! / temp
  }
  // left singular vectors: U = U2·Q by blocks of column types
  if (k === 2) {
    gemm(n, k, k, u2, 1, ldu2, 0, q, 1, ldq, 0, 0, u, 1, ldu, U(1, 1))
  } else {
    const c1 = ctot[1]!, c2 = ctot[2]!, c3 = ctot[3]!
    if (c1 > 0) {
      gemm(nl, k, c1, u2, 1, ldu2, U2(1, 2), q, 1, ldq, Q(2, 1), 0, u, 1, ldu, U(1, 1))
      if (c3 > 0) {
        const kt = 2 + c1 + c2
        gemm(nl, k, c3, u2, 1, ldu2, U2(1, kt), q, 1, ldq, Q(kt, 1), 1, u, 1, ldu, U(1, 1))
      }
    } else if (c3 > 0) {
      const kt = 2 + c1 + c2
      gemm(nl, k, c3, u2, 1, ldu2, U2(1, kt), q, 1, ldq, Q(kt, 1), 0, u, 1, ldu, U(1, 1))
    } else {
      for (let j = 1; j <= k; j++) for (let i = 1; i <= nl; i++) u[U(i, j)] = u2[U2(i, j)]!
    }
    for (let j = 1; j <= k; j++) u[U(nlp1, j)] = q[Q(1, j)]!
    const kt = 2 + c1, ct = c2 + c3
    gemm(nr, k, ct, u2, 1, ldu2, U2(nlp2, kt), q, 1, ldq, Q(kt, 1), 0, u, 1, ldu, U(nlp2, 1))
  }
  // right singular vectors
  for (let i = 1; i <= k; i++) {
    let temp = 0
    for (let j = 1; j <= k; j++) temp += wk[WK(j, i)]! * wk[WK(j, i)]!
    temp = Math.sqrt(temp)
    q[Q(i, 1)] = wk[WK(1, i)]! / temp
    for (let j = 2; j <= k; j++) q[Q(i, j)] = wk[WK(idxc[j]!, i)]! / temp
  }
  if (k === 2) {
    gemm(k, m, k, q, 1, ldq, 0, vt2, ldvt2, 1, 0, 0, vt, ldvt, 1, VT(1, 1))
    return
  }
  const c1 = ctot[1]!, c2 = ctot[2]!, c3 = ctot[3]!
  let kt = 1 + c1
  gemm(k, nlp1, kt, q, 1, ldq, Q(1, 1), vt2, ldvt2, 1, VT2(1, 1), 0, vt, ldvt, 1, VT(1, 1))
  kt = 2 + c1 + c2
  if (kt <= ldvt2) gemm(k, nlp1, c3, q, 1, ldq, Q(1, kt), vt2, ldvt2, 1, VT2(kt, 1), 1, vt, ldvt, 1, VT(1, 1))
  kt = c1 + 1
  const nrp1 = nr + sqre
  if (kt > 1) {
    for (let i = 1; i <= k; i++) q[Q(i, kt)] = q[Q(i, 1)]!
    for (let i = nlp2; i <= m; i++) vt2[VT2(kt, i)] = vt2[VT2(1, i)]!
  }
  const ct = 1 + c2 + c3
  gemm(k, nrp1, ct, q, 1, ldq, Q(1, kt), vt2, ldvt2, 1, VT2(kt, nlp2), 0, vt, ldvt, 1, VT(1, nlp2))
}

/** dlasd1: merges two solved subproblems through the row (alpha, beta). */
const lasd1 = (op: string, nl: number, nr: number, sqre: number, d: Float64Array, dOff: number, alpha: number, beta: number,
  u: Float64Array, uo: number, ldu: number, vt: Float64Array, vo: number, ldvt: number, idxq: Int32Array, qOff: number, w: Work, s3: Float64Array): void => {
  const n = nl + nr + 1
  let orgnrm = Math.max(Math.abs(alpha), Math.abs(beta))
  d[dOff + nl + 1] = 0
  for (let i = 1; i <= n; i++) if (Math.abs(d[dOff + i]!) > orgnrm) orgnrm = Math.abs(d[dOff + i]!)
  for (let i = 1; i <= n; i++) d[dOff + i] = d[dOff + i]! / orgnrm
  alpha /= orgnrm; beta /= orgnrm
  const k = lasd2(nl, nr, sqre, d, dOff, alpha, beta, u, uo, ldu, vt, vo, ldvt, idxq, qOff, w)
  lasd3(op, nl, nr, sqre, k, d, dOff, u, uo, ldu, vt, vo, ldvt, w, s3)
  for (let i = 1; i <= n; i++) d[dOff + i] = d[dOff + i]! * orgnrm
  lamrg(k, n - k, d, dOff, 1, -1, idxq, qOff)
}

/** dlasd0 on D(1..n) = d[dOff + 1..], E = e[eOff + 1..]; U (column-major) and VT (row-major) blocks must hold I. */
const lasd0 = (op: string, n: number, sqre: number, d: Float64Array, dOff: number, e: Float64Array, eOff: number,
  u: Float64Array, uo: number, ldu: number, vt: Float64Array, vo: number, ldvt: number, w: Work): void => {
  if (n <= SMLSIZ) {
    lasdq(op, sqre, n, d, dOff, e, eOff, vt, vo, ldvt, u, uo, ldu, w)
    return
  }
  const { nlvl, nd, inode, ndiml, ndimr } = lasdt(n, SMLSIZ)
  const idxq = new Int32Array(n + 2) // IDXQ(j) = idxq[j]
  const ndb1 = Math.trunc((nd + 1) / 2)
  const Uo = (r: number): number => uo + (r - 1) + (r - 1) * ldu
  const Vo = (r: number): number => vo + (r - 1) * ldvt + (r - 1)
  for (let i = ndb1; i <= nd; i++) {
    const ic = inode[i]!, nl = ndiml[i]!, nr = ndimr[i]!
    const nlf = ic - nl, nrf = ic + 1
    lasdq(op, 1, nl, d, dOff + nlf - 1, e, eOff + nlf - 1, vt, Vo(nlf), ldvt, u, Uo(nlf), ldu, w)
    for (let j = 1; j <= nl; j++) idxq[nlf - 1 + j] = j
    const sqrei = i === nd ? sqre : 1
    lasdq(op, sqrei, nr, d, dOff + nrf - 1, e, eOff + nrf - 1, vt, Vo(nrf), ldvt, u, Uo(nrf), ldu, w)
    for (let j = 1; j <= nr; j++) idxq[ic + j] = j
  }
  const s3 = new Float64Array(12)
  for (let lvl = nlvl; lvl >= 1; lvl--) {
    const lf = lvl === 1 ? 1 : 2 ** (lvl - 1)
    const ll = lvl === 1 ? 1 : 2 * lf - 1
    for (let i = lf; i <= ll; i++) {
      const ic = inode[i]!, nl = ndiml[i]!, nr = ndimr[i]!
      const nlf = ic - nl
      const sqrei = sqre === 0 && i === ll ? sqre : 1
      const alpha = d[dOff + ic]!, beta = e[eOff + ic]!
      lasd1(op, nl, nr, sqrei, d, dOff + nlf - 1, alpha, beta, u, Uo(nlf), ldu, vt, Vo(nlf), ldvt, idxq, nlf - 1, w, s3)
    }
  }
}

/**
 * dbdsdc (uplo 'U', compq 'I'): B = U_B·diag(σ)·V_Bᵀ for the n × n upper bidiagonal (d, e[0..n−1)).
 * Returns ubt = U_Bᵀ (row-major [n, n]: row j = left vector j) and vbt = V_Bᵀ (row-major [n, n]);
 * σ overwrites d (≥ 0, unsorted). e is destroyed. `scratch` (≥ n² values, contents ignored) serves as
 * workspace when given, which saves first-touch page faults of a fresh buffer.
 */
export const bdsdc = (op: string, n: number, d: Float64Array, e: Float64Array, scratch?: Float64Array): { readonly ubt: Float64Array; readonly vbt: Float64Array } => {
  const ubt = new Float64Array(n * n), vbt = new Float64Array(n * n)
  for (let i = 0; i < n; i++) { ubt[i * n + i] = 1; vbt[i * n + i] = 1 }
  if (n === 0) return { ubt, vbt }
  for (let i = 0; i < n; i++) if (d[i]! - d[i]! !== 0 || (i < n - 1 && e[i]! - e[i]! !== 0))
    throw new NoConvergence(op, 0, 'the bidiagonal holds NaN/Inf (non-finite input passed with { checkFinite: false })')
  const w = newWork(n <= SMLSIZ ? SMLSIZ : n, scratch)
  if (n <= SMLSIZ) {
    // dbdsdc calls dlasdq directly (1-based D/E views: offsets −1)
    lasdq(op, 0, n, d, -1, e, -1, vbt, 0, n, ubt, 0, n, w)
    return { ubt, vbt }
  }
  let orgnrm = 0
  for (let i = 0; i < n; i++) orgnrm = Math.max(orgnrm, Math.abs(d[i]!))
  for (let i = 0; i < n - 1; i++) orgnrm = Math.max(orgnrm, Math.abs(e[i]!))
  if (orgnrm === 0) return { ubt, vbt }
  for (let i = 0; i < n; i++) d[i] = d[i]! / orgnrm
  for (let i = 0; i < n - 1; i++) e[i] = e[i]! / orgnrm
  const eps = 0.9 * EPS
  for (let i = 0; i < n; i++) if (Math.abs(d[i]!) < eps) d[i] = sign(eps, d[i]!)
  // split at negligible e(i) into independent subproblems (1-based as in the reference)
  let start = 1
  const nm1 = n - 1
  for (let i = 1; i <= nm1; i++) {
    const ei = e[i - 1]!
    if (Math.abs(ei) < eps || i === nm1) {
      let nsize: number
      if (i < nm1) nsize = i - start + 1
      else if (Math.abs(ei) >= eps) nsize = n - start + 1
      else {
        nsize = i - start + 1
        ubt[(n - 1) * n + n - 1] = d[n - 1]! < 0 ? -1 : 1
        vbt[(n - 1) * n + n - 1] = 1
        d[n - 1] = Math.abs(d[n - 1]!)
      }
      const o = (start - 1) * n + (start - 1)
      lasd0(op, nsize, 0, d, start - 2, e, start - 2, ubt, o, n, vbt, o, n, w)
      start = i + 1
    }
  }
  for (let i = 0; i < n; i++) d[i] = d[i]! * orgnrm
  return { ubt, vbt }
}
