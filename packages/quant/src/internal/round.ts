/** Round half to even (torch.round / numpy.rint semantics). */
export const roundHalfEven = (v: number): number => {
  const f = Math.floor(v), d = v - f
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1
}
