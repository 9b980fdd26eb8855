import t from 'tap'
import { NF4_CODEBOOK } from '../src/index.js'
import { ref } from './helpers.js'

// The 16 values hard-coded in bitsandbytes csrc/kernels.cu (nf4 dequantization LUT), as read from its source.
const BNB_NF4 = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453,
  -0.28444138169288635, -0.18477343022823334, -0.09105003625154495, 0.0,
  0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
]
// create_normal_map recomputed by scipy in f32 differs from the literal table by at most one f32 ulp near 0.7.
const NORMAL_MAP_TOL = 2 ** -22

t.test('NF4 codebook equals bitsandbytes bit for bit', async (t) => {
  t.equal(NF4_CODEBOOK.length, 16)
  t.same(Array.from(NF4_CODEBOOK), BNB_NF4)
  t.same(Array.from(NF4_CODEBOOK), ref.nf4_codebook_kernels_cu)
  for (let i = 0; i < 16; i++) t.equal(NF4_CODEBOOK[i], Math.fround(BNB_NF4[i]!), `level ${i} is an exact f32`)
})

t.test('NF4 codebook is the normalised N(0,1) quantile map (scipy create_normal_map)', async (t) => {
  for (let i = 0; i < 16; i++) t.ok(Math.abs(NF4_CODEBOOK[i]! - ref.nf4_normal_map[i]!) <= NORMAL_MAP_TOL, `level ${i}: ${NF4_CODEBOOK[i]} vs ${ref.nf4_normal_map[i]}`)
  for (let i = 1; i < 16; i++) t.ok(NF4_CODEBOOK[i]! > NF4_CODEBOOK[i - 1]!, 'ascending')
})
