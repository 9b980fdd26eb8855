/**
 * Singular values of an upper bidiagonal matrix by the dqds algorithm (differential quotient-difference
 * with shifts; Fernando & Parlett, "Accurate singular values and differential qd algorithms", Numer.
 * Math. 67, 1994; Parlett & Marques, "An implementation of the dqds algorithm (positive case)", LAA
 * 309, 2000). A port of LAPACK's dlasq1–dlasq6 (ping-pong qd array Z of length 4n, aggressive early
 * deflation of one or two values at the bottom, dlasq4's shift strategy, flipping the array when the
 * top is smaller). O(n²) flops, no square roots inside the sweeps, and every singular value, even the
 * tiniest, to high RELATIVE accuracy (the bidiagonal determines its values to relative precision).
 *
 * Indexing follows the Fortran reference: Z is 1-based (z[0] unused), I0/N0 are 1-based block bounds.
 * All state of one run lives in a local object (no module state).
 * @internal
 */

const EPS = 2 ** -52          // dlamch('P')
const SAFMIN = 2 ** -1022     // dlamch('S')
const TOL = 100 * EPS
const TOL2 = TOL * TOL
const CBIAS = 1.5
const CNST1 = 0.563, CNST2 = 1.01, CNST3 = 1.05, THIRD = 0.333, QURTR = 0.25

interface QdState {
  i0: number; n0: number; pp: number
  dmin: number; dmin1: number; dmin2: number; dn: number; dn1: number; dn2: number
  sigma: number; desig: number; qmax: number; tau: number; g: number; ttype: number
  nFail: number; iter: number; nDiv: number
}

const swap = (z: Float64Array, i: number, j: number): void => { const t = z[i]!; z[i] = z[j]!; z[j] = t }

/** dlasq5: one dqds transform (shift tau) in ping-pong form. Sets dmin… in s; may zero s.tau. */
const dqds = (z: Float64Array, s: QdState): void => {
  const { i0, n0, pp } = s
  if (n0 - i0 - 1 <= 0) return
  let tau = s.tau
  const dthresh = EPS * (s.sigma + tau)
  if (tau < dthresh * 0.5) tau = 0
  s.tau = tau
  let j4 = 4 * i0 + pp - 3
  let emin = z[j4 + 4]!
  let d = z[j4]! - tau
  let dmin = d
  const last = 4 * (n0 - 3)
  if (tau !== 0) {
    if (pp === 0) {
      for (j4 = 4 * i0; j4 <= last; j4 += 4) {
        z[j4 - 2] = d + z[j4 - 1]!
        const temp = z[j4 + 1]! / z[j4 - 2]!
        d = d * temp - tau
        if (d < dmin) dmin = d
        z[j4] = z[j4 - 1]! * temp
        if (z[j4]! < emin) emin = z[j4]!
      }
    } else {
      for (j4 = 4 * i0; j4 <= last; j4 += 4) {
        z[j4 - 3] = d + z[j4]!
        const temp = z[j4 + 2]! / z[j4 - 3]!
        d = d * temp - tau
        if (d < dmin) dmin = d
        z[j4 - 1] = z[j4]! * temp
        if (z[j4 - 1]! < emin) emin = z[j4 - 1]!
      }
    }
  } else {
    // tau = 0: d's below the threshold are set to zero (dlasq5's ieee branch)
    if (pp === 0) {
      for (j4 = 4 * i0; j4 <= last; j4 += 4) {
        z[j4 - 2] = d + z[j4 - 1]!
        const temp = z[j4 + 1]! / z[j4 - 2]!
        d = d * temp - tau
        if (d < dthresh) d = 0
        if (d < dmin) dmin = d
        z[j4] = z[j4 - 1]! * temp
        if (z[j4]! < emin) emin = z[j4]!
      }
    } else {
      for (j4 = 4 * i0; j4 <= last; j4 += 4) {
        z[j4 - 3] = d + z[j4]!
        const temp = z[j4 + 2]! / z[j4 - 3]!
        d = d * temp - tau
        if (d < dthresh) d = 0
        if (d < dmin) dmin = d
        z[j4 - 1] = z[j4]! * temp
        if (z[j4 - 1]! < emin) emin = z[j4 - 1]!
      }
    }
  }
  // the last two steps unrolled
  const dnm2 = d
  s.dmin2 = dmin
  j4 = 4 * (n0 - 2) - pp
  let j4p2 = j4 + 2 * pp - 1
  z[j4 - 2] = dnm2 + z[j4p2]!
  z[j4] = z[j4p2 + 2]! * (z[j4p2]! / z[j4 - 2]!)
  const dnm1 = z[j4p2 + 2]! * (dnm2 / z[j4 - 2]!) - tau
  dmin = Math.min(dmin, dnm1)
  s.dmin1 = dmin
  j4 += 4
  j4p2 = j4 + 2 * pp - 1
  z[j4 - 2] = dnm1 + z[j4p2]!
  z[j4] = z[j4p2 + 2]! * (z[j4p2]! / z[j4 - 2]!)
  const dn = z[j4p2 + 2]! * (dnm1 / z[j4 - 2]!) - tau
  dmin = Math.min(dmin, dn)
  z[j4 + 2] = dn
  z[4 * n0 - pp] = emin
  s.dmin = dmin; s.dn = dn; s.dn1 = dnm1; s.dn2 = dnm2
}

/** One guarded step of dlasq6 (dqd with protection against under/overflow). Returns the new d. */
const safeStep = (z: Float64Array, qOut: number, eIn: number, qNext: number, eOut: number, d: number): [number, boolean] => {
  z[qOut] = d + z[eIn]!
  if (z[qOut] === 0) { z[eOut] = 0; return [z[qNext]!, true] }
  if (SAFMIN * z[qNext]! < z[qOut]! && SAFMIN * z[qOut]! < z[qNext]!) {
    const temp = z[qNext]! / z[qOut]!
    z[eOut] = z[eIn]! * temp
    return [d * temp, false]
  }
  z[eOut] = z[qNext]! * (z[eIn]! / z[qOut]!)
  return [z[qNext]! * (d / z[qOut]!), false]
}

/** dlasq6: one dqd transform (no shift) with protection against underflow and overflow. */
const dqdSafe = (z: Float64Array, s: QdState): void => {
  const { i0, n0, pp } = s
  if (n0 - i0 - 1 <= 0) return
  let j4 = 4 * i0 + pp - 3
  let emin = z[j4 + 4]!
  let d = z[j4]!
  let dmin = d
  for (j4 = 4 * i0; j4 <= 4 * (n0 - 3); j4 += 4) {
    const [nd, isZero] = pp === 0 ? safeStep(z, j4 - 2, j4 - 1, j4 + 1, j4, d) : safeStep(z, j4 - 3, j4, j4 + 2, j4 - 1, d)
    d = nd
    if (isZero) { dmin = d; emin = 0 }
    dmin = Math.min(dmin, d)
    emin = Math.min(emin, z[pp === 0 ? j4 : j4 - 1]!)
  }
  const dnm2 = d
  s.dmin2 = dmin
  j4 = 4 * (n0 - 2) - pp
  let j4p2 = j4 + 2 * pp - 1
  let [dnm1, z1] = safeStep(z, j4 - 2, j4p2, j4p2 + 2, j4, dnm2)
  if (z1) { dmin = dnm1; emin = 0 }
  dmin = Math.min(dmin, dnm1)
  s.dmin1 = dmin
  j4 += 4
  j4p2 = j4 + 2 * pp - 1
  const [dn, z2] = safeStep(z, j4 - 2, j4p2, j4p2 + 2, j4, dnm1)
  if (z2) { dmin = dn; emin = 0 }
  dmin = Math.min(dmin, dn)
  z[j4 + 2] = dn
  z[4 * n0 - pp] = emin
  s.dmin = dmin; s.dn = dn; s.dn1 = dnm1; s.dn2 = dnm2
}

/** dlasq4: the shift tau (and its type) from the last transform; n0in = n0 before deflation. */
const chooseShift = (z: Float64Array, s: QdState, n0in: number): void => {
  const { i0, n0, pp, dmin, dmin1, dmin2, dn, dn1, dn2 } = s
  if (dmin <= 0) { s.tau = -dmin; s.ttype = -1; return }
  const nn = 4 * n0 + pp
  let sh = 0
  if (n0in === n0) {
    if (dmin === dn || dmin === dn1) {
      let b1 = Math.sqrt(z[nn - 3]!) * Math.sqrt(z[nn - 5]!)
      let b2 = Math.sqrt(z[nn - 7]!) * Math.sqrt(z[nn - 9]!)
      let a2 = z[nn - 7]! + z[nn - 5]!
      if (dmin === dn && dmin1 === dn1) {
        // cases 2 and 3
        const gap2 = dmin2 - a2 - dmin2 * QURTR
        const gap1 = gap2 > 0 && gap2 > b2 ? a2 - dn - (b2 / gap2) * b2 : a2 - dn - (b1 + b2)
        if (gap1 > 0 && gap1 > b1) {
          sh = Math.max(dn - (b1 / gap1) * b1, 0.5 * dmin)
          s.ttype = -2
        } else {
          sh = 0
          if (dn > b1) sh = dn - b1
          if (a2 > b1 + b2) sh = Math.min(sh, a2 - (b1 + b2))
          sh = Math.max(sh, THIRD * dmin)
          s.ttype = -3
        }
      } else {
        // case 4
        s.ttype = -4
        sh = QURTR * dmin
        let gam: number, np: number
        if (dmin === dn) {
          gam = dn
          a2 = 0
          if (z[nn - 5]! > z[nn - 7]!) return
          b2 = z[nn - 5]! / z[nn - 7]!
          np = nn - 9
        } else {
          np = nn - 2 * pp
          gam = dn1
          if (z[np - 4]! > z[np - 2]!) return
          a2 = z[np - 4]! / z[np - 2]!
          if (z[nn - 9]! > z[nn - 11]!) return
          b2 = z[nn - 9]! / z[nn - 11]!
          np = nn - 13
        }
        // approximate contribution to the norm squared from i < nn − 1
        a2 += b2
        for (let i4 = np; i4 >= 4 * i0 - 1 + pp; i4 -= 4) {
          if (b2 === 0) break
          b1 = b2
          if (z[i4]! > z[i4 - 2]!) return
          b2 *= z[i4]! / z[i4 - 2]!
          a2 += b2
          if (100 * Math.max(b2, b1) < a2 || CNST1 < a2) break
        }
        a2 *= CNST3
        // Rayleigh quotient residual bound
        if (a2 < CNST1) sh = gam * (1 - Math.sqrt(a2)) / (1 + a2)
      }
    } else if (dmin === dn2) {
      // case 5
      s.ttype = -5
      sh = QURTR * dmin
      const np = nn - 2 * pp
      let b1 = z[np - 2]!
      let b2 = z[np - 6]!
      const gam = dn2
      if (z[np - 8]! > b2 || z[np - 4]! > b1) return
      let a2 = (z[np - 8]! / b2) * (1 + z[np - 4]! / b1)
      if (n0 - i0 > 2) {
        b2 = z[nn - 13]! / z[nn - 15]!
        a2 += b2
        for (let i4 = nn - 17; i4 >= 4 * i0 - 1 + pp; i4 -= 4) {
          if (b2 === 0) break
          b1 = b2
          if (z[i4]! > z[i4 - 2]!) return
          b2 *= z[i4]! / z[i4 - 2]!
          a2 += b2
          if (100 * Math.max(b2, b1) < a2 || CNST1 < a2) break
        }
        a2 *= CNST3
      }
      if (a2 < CNST1) sh = gam * (1 - Math.sqrt(a2)) / (1 + a2)
    } else {
      // case 6: no information to guide us
      if (s.ttype === -6) s.g += THIRD * (1 - s.g)
      else if (s.ttype === -18) s.g = QURTR * THIRD
      else s.g = QURTR
      sh = s.g * dmin
      s.ttype = -6
    }
  } else if (n0in === n0 + 1) {
    // one eigenvalue just deflated: use dmin1, dn1 for dmin and dn
    if (dmin1 === dn1 && dmin2 === dn2) {
      s.ttype = -7
      sh = THIRD * dmin1
      if (z[nn - 5]! > z[nn - 7]!) return
      let b1 = z[nn - 5]! / z[nn - 7]!
      let b2 = b1
      if (b2 !== 0) {
        for (let i4 = 4 * n0 - 9 + pp; i4 >= 4 * i0 - 1 + pp; i4 -= 4) {
          const a2 = b1
          if (z[i4]! > z[i4 - 2]!) return
          b1 *= z[i4]! / z[i4 - 2]!
          b2 += b1
          if (100 * Math.max(b1, a2) < b2) break
        }
      }
      b2 = Math.sqrt(CNST3 * b2)
      const a2 = dmin1 / (1 + b2 * b2)
      const gap2 = 0.5 * dmin2 - a2
      if (gap2 > 0 && gap2 > b2 * a2) sh = Math.max(sh, a2 * (1 - CNST2 * a2 * (b2 / gap2) * b2))
      else { sh = Math.max(sh, a2 * (1 - CNST2 * b2)); s.ttype = -8 }
    } else {
      sh = QURTR * dmin1
      if (dmin1 === dn1) sh = 0.5 * dmin1
      s.ttype = -9
    }
  } else if (n0in === n0 + 2) {
    // two eigenvalues deflated: use dmin2, dn2 for dmin and dn
    if (dmin2 === dn2 && 2 * z[nn - 5]! < z[nn - 7]!) {
      s.ttype = -10
      sh = THIRD * dmin2
      if (z[nn - 5]! > z[nn - 7]!) return
      let b1 = z[nn - 5]! / z[nn - 7]!
      let b2 = b1
      if (b2 !== 0) {
        for (let i4 = 4 * n0 - 9 + pp; i4 >= 4 * i0 - 1 + pp; i4 -= 4) {
          if (z[i4]! > z[i4 - 2]!) return
          b1 *= z[i4]! / z[i4 - 2]!
          b2 += b1
          if (100 * b1 < b2) break
        }
      }
      b2 = Math.sqrt(CNST3 * b2)
      const a2 = dmin2 / (1 + b2 * b2)
      const gap2 = z[nn - 7]! + z[nn - 9]! - Math.sqrt(z[nn - 11]!) * Math.sqrt(z[nn - 9]!) - a2
      if (gap2 > 0 && gap2 > b2 * a2) sh = Math.max(sh, a2 * (1 - CNST2 * a2 * (b2 / gap2) * b2))
      else sh = Math.max(sh, a2 * (1 - CNST2 * b2))
    } else {
      sh = QURTR * dmin2
      s.ttype = -11
    }
  } else if (n0in > n0 + 2) {
    sh = 0
    s.ttype = -12
  }
  s.tau = sh
}

/** dlasq3: deflates converged values at the bottom of the block, flips the block if warranted,
 *  chooses a shift and runs dqds until it succeeds (dmin ≥ 0). */
const step = (z: Float64Array, s: QdState): void => {
  const n0in = s.n0
  for (;;) {
    const { i0, n0, pp, sigma } = s
    if (n0 < i0) return
    if (n0 === i0) { z[4 * n0 - 3] = z[4 * n0 + pp - 3]! + sigma; s.n0--; continue }
    const nn = 4 * n0 + pp
    if (n0 !== i0 + 1) {
      // is e(n0 − 1) negligible? then one value
      if (!(z[nn - 5]! > TOL2 * (sigma + z[nn - 3]!) && z[nn - 2 * pp - 4]! > TOL2 * z[nn - 7]!)) {
        z[4 * n0 - 3] = z[4 * n0 + pp - 3]! + sigma; s.n0--; continue
      }
      // is e(n0 − 2) negligible? then two values, else done deflating
      if (z[nn - 9]! > TOL2 * sigma && z[nn - 2 * pp - 8]! > TOL2 * z[nn - 11]!) break
    }
    // two values from the trailing 2×2 block
    if (z[nn - 3]! > z[nn - 7]!) swap(z, nn - 3, nn - 7)
    let t = 0.5 * ((z[nn - 7]! - z[nn - 3]!) + z[nn - 5]!)
    if (z[nn - 5]! > z[nn - 3]! * TOL2 && t !== 0) {
      let sv = z[nn - 3]! * (z[nn - 5]! / t)
      if (sv <= t) sv = z[nn - 3]! * (z[nn - 5]! / (t * (1 + Math.sqrt(1 + sv / t))))
      else sv = z[nn - 3]! * (z[nn - 5]! / (t + Math.sqrt(t) * Math.sqrt(t + sv)))
      t = z[nn - 7]! + (sv + z[nn - 5]!)
      z[nn - 3] = z[nn - 3]! * (z[nn - 7]! / t)
      z[nn - 7] = t
    }
    z[4 * n0 - 7] = z[nn - 7]! + sigma
    z[4 * n0 - 3] = z[nn - 3]! + sigma
    s.n0 -= 2
  }
  if (s.pp === 2) s.pp = 0
  const { i0, n0, pp } = s
  // reverse the qd array if warranted
  if ((s.dmin <= 0 || n0 < n0in) && CBIAS * z[4 * i0 + pp - 3]! < z[4 * n0 + pp - 3]!) {
    const ipn4 = 4 * (i0 + n0)
    for (let j4 = 4 * i0; j4 <= 2 * (i0 + n0 - 1); j4 += 4) {
      swap(z, j4 - 3, ipn4 - j4 - 3); swap(z, j4 - 2, ipn4 - j4 - 2)
      swap(z, j4 - 1, ipn4 - j4 - 5); swap(z, j4, ipn4 - j4 - 4)
    }
    if (n0 - i0 <= 4) { z[4 * n0 + pp - 1] = z[4 * i0 + pp - 1]!; z[4 * n0 - pp] = z[4 * i0 - pp]! }
    s.dmin2 = Math.min(s.dmin2, z[4 * i0 - pp - 1]!)
    z[4 * n0 + pp - 1] = Math.min(z[4 * n0 + pp - 1]!, z[4 * i0 + pp - 1]!, z[4 * i0 + pp + 3]!)
    z[4 * n0 - pp] = Math.min(z[4 * n0 - pp]!, z[4 * i0 - pp]!, z[4 * i0 - pp + 4]!)
    s.qmax = Math.max(s.qmax, z[4 * i0 + pp - 3]!, z[4 * i0 + pp + 1]!)
    s.dmin = -0
  }
  chooseShift(z, s, n0in)
  // dqds until dmin ≥ 0
  let isSafe = false
  for (;;) {
    dqds(z, s)
    s.nDiv += n0 - i0 + 2
    s.iter++
    if (s.dmin >= 0 && s.dmin1 >= 0) break
    if (s.dmin < 0 && s.dmin1 > 0 && z[4 * (n0 - 1) - pp]! < TOL * (s.sigma + s.dn1) && Math.abs(s.dn) < TOL * s.sigma) {
      // convergence hidden by a negative dn
      z[4 * (n0 - 1) - pp + 2] = 0
      s.dmin = 0
      break
    }
    if (s.dmin < 0) {
      // tau too big: choose a new one and try again
      s.nFail++
      if (s.ttype < -22) s.tau = 0                                              // failed twice: play safe
      else if (s.dmin1 > 0) { s.tau = (s.tau + s.dmin) * (1 - 2 * EPS); s.ttype -= 11 }   // late failure
      else { s.tau *= QURTR; s.ttype -= 12 }                                   // early failure
      continue
    }
    if (Number.isNaN(s.dmin)) {
      if (s.tau === 0) { isSafe = true; break }
      s.tau = 0
      continue
    }
    isSafe = true // possible underflow: play safe
    break
  }
  if (isSafe) {
    dqdSafe(z, s)
    s.nDiv += n0 - i0 + 2
    s.iter++
    s.tau = 0
  }
  // sigma += tau with a compensated sum (desig carries the rounding error)
  let t: number
  if (s.tau < s.sigma) {
    s.desig += s.tau
    t = s.sigma + s.desig
    s.desig -= t - s.sigma
  } else {
    t = s.sigma + s.tau
    s.desig = s.sigma - (t - s.tau) + s.desig
  }
  s.sigma = t
}

/** dlasq2: all eigenvalues of the positive definite tridiagonal given by the qd array z[1..4n]
 *  (q's at z[1, 3, …, 2n−1], e's at z[2, 4, …, 2n−2] on entry). On success (returns 0) z[1..n] holds
 *  them in decreasing order. 1: split marked by a negative value, 2: no convergence, 3: too many blocks. */
const eigenvaluesQd = (n: number, z: Float64Array): number => {
  if (n <= 1) return 0
  if (n === 2) {
    if (z[3]! > z[1]!) swap(z, 1, 3)
    z[5] = z[1]! + z[2]! + z[3]!
    if (z[2]! > z[3]! * TOL2) {
      let t = 0.5 * ((z[1]! - z[3]!) + z[2]!)
      let sv = z[3]! * (z[2]! / t)
      if (sv <= t) sv = z[3]! * (z[2]! / (t * (1 + Math.sqrt(1 + sv / t))))
      else sv = z[3]! * (z[2]! / (t + Math.sqrt(t) * Math.sqrt(t + sv)))
      t = z[1]! + (sv + z[2]!)
      z[3] = z[3]! * (z[1]! / t)
      z[1] = t
    }
    z[2] = z[3]!
    z[6] = z[2]! + z[1]!
    return 0
  }
  z[2 * n] = 0
  let d = 0, e = 0
  for (let k = 1; k <= 2 * (n - 1); k += 2) { d += z[k]!; e += z[k + 1]! }
  d += z[2 * n - 1]!
  if (e === 0) {
    for (let k = 2; k <= n; k++) z[k] = z[2 * k - 1]!
    sortDescending(z, n)
    return 0
  }
  if (d + e === 0) { for (let k = 1; k <= n; k++) z[k] = 0; return 0 }
  // rearrange for locality: z = (q1, qq1, e1, ee1, q2, qq2, e2, ee2, …)
  for (let k = 2 * n; k >= 2; k -= 2) {
    z[2 * k] = 0; z[2 * k - 1] = z[k]!; z[2 * k - 2] = 0; z[2 * k - 3] = z[k - 1]!
  }
  const s: QdState = { i0: 1, n0: n, pp: 0, dmin: 0, dmin1: 0, dmin2: 0, dn: 0, dn1: 0, dn2: 0, sigma: 0, desig: 0, qmax: 0, tau: 0, g: 0, ttype: 0, nFail: 0, iter: 2, nDiv: 2 * (n - 1) }
  let i0 = 1, n0 = n
  // reverse the qd array if warranted
  if (CBIAS * z[4 * i0 - 3]! < z[4 * n0 - 3]!) {
    const ipn4 = 4 * (i0 + n0)
    for (let i4 = 4 * i0; i4 <= 2 * (i0 + n0 - 1); i4 += 4) { swap(z, i4 - 3, ipn4 - i4 - 3); swap(z, i4 - 1, ipn4 - i4 - 5) }
  }
  // initial split checking via dqd and Li's test
  let pp = 0
  for (let k = 0; k < 2; k++) {
    d = z[4 * n0 + pp - 3]!
    for (let i4 = 4 * (n0 - 1) + pp; i4 >= 4 * i0 + pp; i4 -= 4) {
      if (z[i4 - 1]! <= TOL2 * d) { z[i4 - 1] = -0; d = z[i4 - 3]! } else d = z[i4 - 3]! * (d / (d + z[i4 - 1]!))
    }
    // dqd maps Z to ZZ plus Li's test
    d = z[4 * i0 + pp - 3]!
    for (let i4 = 4 * i0 + pp; i4 <= 4 * (n0 - 1) + pp; i4 += 4) {
      z[i4 - 2 * pp - 2] = d + z[i4 - 1]!
      if (z[i4 - 1]! <= TOL2 * d) {
        z[i4 - 1] = -0; z[i4 - 2 * pp - 2] = d; z[i4 - 2 * pp] = 0; d = z[i4 + 1]!
      } else if (SAFMIN * z[i4 + 1]! < z[i4 - 2 * pp - 2]! && SAFMIN * z[i4 - 2 * pp - 2]! < z[i4 + 1]!) {
        const temp = z[i4 + 1]! / z[i4 - 2 * pp - 2]!
        z[i4 - 2 * pp] = z[i4 - 1]! * temp
        d *= temp
      } else {
        z[i4 - 2 * pp] = z[i4 + 1]! * (z[i4 - 1]! / z[i4 - 2 * pp - 2]!)
        d = z[i4 + 1]! * (d / z[i4 - 2 * pp - 2]!)
      }
    }
    z[4 * n0 - pp - 2] = d
    let qmax = z[4 * i0 - pp - 2]!
    for (let i4 = 4 * i0 - pp + 2; i4 <= 4 * n0 + pp - 2; i4 += 4) qmax = Math.max(qmax, z[i4]!)
    s.qmax = qmax
    pp = 1 - pp
  }
  for (let iwhila = 1; iwhila <= n + 1; iwhila++) {
    if (n0 < 1) {
      // done: move the q's to the front and sort
      for (let k = 2; k <= n; k++) z[k] = z[4 * k - 3]!
      sortDescending(z, n)
      return 0
    }
    // e(n0) holds −sigma when the block i0:n0 splits from the rest
    s.desig = 0
    s.sigma = n0 === n ? 0 : -z[4 * n0 - 1]!
    if (s.sigma < 0) return 1
    // find the last unreduced block's top i0, qmax, emin, and a Gershgorin-type bound
    let emax = 0
    let qmin = z[4 * n0 - 3]!
    let qmax = qmin
    let i4 = 4 * n0
    for (; i4 >= 8; i4 -= 4) {
      if (z[i4 - 5]! <= 0) break
      if (qmin >= 4 * emax) { qmin = Math.min(qmin, z[i4 - 3]!); emax = Math.max(emax, z[i4 - 5]!) }
      qmax = Math.max(qmax, z[i4 - 7]! + z[i4 - 5]!)
    }
    if (i4 < 8) i4 = 4
    i0 = i4 / 4
    pp = 0
    if (n0 - i0 > 1) {
      let dee = z[4 * i0 - 3]!, deemin = dee, kmin = i0
      for (let j4 = 4 * i0 + 1; j4 <= 4 * n0 - 3; j4 += 4) {
        dee = z[j4]! * (dee / (dee + z[j4 - 2]!))
        if (dee <= deemin) { deemin = dee; kmin = (j4 + 3) >> 2 }
      }
      if ((kmin - i0) * 2 < n0 - kmin && deemin <= 0.5 * z[4 * n0 - 3]!) {
        const ipn4 = 4 * (i0 + n0)
        pp = 2
        for (let j4 = 4 * i0; j4 <= 2 * (i0 + n0 - 1); j4 += 4) {
          swap(z, j4 - 3, ipn4 - j4 - 3); swap(z, j4 - 2, ipn4 - j4 - 2)
          swap(z, j4 - 1, ipn4 - j4 - 5); swap(z, j4, ipn4 - j4 - 4)
        }
      }
    }
    // −(initial shift) into dmin
    s.i0 = i0; s.n0 = n0; s.pp = pp; s.qmax = qmax
    s.dmin = -Math.max(0, qmin - 2 * Math.sqrt(qmin) * Math.sqrt(emax))
    const nbig = 100 * (n0 - i0 + 1)
    let isBlockDone = false
    for (let iwhilb = 0; iwhilb < nbig; iwhilb++) {
      if (s.i0 > s.n0) { isBlockDone = true; break }
      step(z, s)
      s.pp = 1 - s.pp
      // when emin is very small, check for splits
      if (s.pp === 0 && s.n0 - s.i0 >= 3) {
        const N0 = s.n0, I0 = s.i0, sigma = s.sigma
        if (z[4 * N0]! <= TOL2 * s.qmax || z[4 * N0 - 1]! <= TOL2 * sigma) {
          let splt = I0 - 1
          let qm = z[4 * I0 - 3]!, emin = z[4 * I0 - 1]!, oldemn = z[4 * I0]!
          for (let j4 = 4 * I0; j4 <= 4 * (N0 - 3); j4 += 4) {
            if (z[j4]! <= TOL2 * z[j4 - 3]! || z[j4 - 1]! <= TOL2 * sigma) {
              z[j4 - 1] = -sigma; splt = j4 / 4; qm = 0; emin = z[j4 + 3]!; oldemn = z[j4 + 4]!
            } else {
              qm = Math.max(qm, z[j4 + 1]!); emin = Math.min(emin, z[j4 - 1]!); oldemn = Math.min(oldemn, z[j4]!)
            }
          }
          z[4 * N0 - 1] = emin
          z[4 * N0] = oldemn
          s.qmax = qm
          s.i0 = splt + 1
        }
      }
    }
    if (!isBlockDone && s.i0 <= s.n0) return 2
    i0 = s.i0; n0 = s.n0
  }
  return 3
}

/** Sorts z[1..n] in decreasing order. */
const sortDescending = (z: Float64Array, n: number): void => {
  const v = z.slice(1, n + 1).sort().reverse()
  z.set(v, 1)
}

/**
 * dlasq1: singular values of the upper bidiagonal B = bidiag(d [n], e [n − 1]) (e[n − 1] ignored),
 * in decreasing order, to high relative accuracy. Returns null when dqds does not converge (the
 * caller then falls back to the bidiagonal QR). d and e are not modified.
 */
export const bidiagonalSingularValues = (n: number, d: Float64Array, e: Float64Array): Float64Array | null => {
  const out = new Float64Array(n)
  if (n === 0) return out
  let sigmx = 0
  for (let i = 0; i < n - 1; i++) sigmx = Math.max(sigmx, Math.abs(e[i]!))
  for (let i = 0; i < n; i++) out[i] = Math.abs(d[i]!)
  if (sigmx === 0 || n === 1) { out.sort().reverse(); return out }
  for (let i = 0; i < n; i++) sigmx = Math.max(sigmx, out[i]!)
  // scale by a power of two (exact) so the squares neither overflow nor lose the small values:
  // the largest entry becomes ≈ √(ε/safmin), as dlasq1 does with dlascl
  // (2^k may overflow for tiny inputs: applied as two factors 2^k₁·2^k₂)
  const k = Math.round(Math.log2(Math.sqrt(EPS / SAFMIN)) - Math.log2(sigmx))
  const f1 = 2 ** Math.trunc(k / 2), f2 = 2 ** (k - Math.trunc(k / 2))
  const z = new Float64Array(4 * n + 1)
  for (let i = 0; i < n; i++) { const t = out[i]! * f1 * f2; z[2 * i + 1] = t * t }
  for (let i = 0; i < n - 1; i++) { const t = e[i]! * f1 * f2; z[2 * i + 2] = t * t }
  z[2 * n] = 0
  const info = eigenvaluesQd(n, z)
  if (info !== 0) return null
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(z[i + 1]!) / f1 / f2
  return out
}
