// The best JavaScript GEMM peer: onnxruntime-web's WebAssembly backend (SIMD + threads) running a
// one-node MatMul model whose ~130 bytes of protobuf are written here by hand (no onnx tooling).
// ort fixes its thread count at first session creation, so each thread count runs in its own process:
//   node tools/bench/cpu/ortPeer.ts <threads> <f32|f64> <n> <runs>   → prints {"ms": median}
const varint = (x: number): number[] => { const out: number[] = []; while (x > 127) { out.push((x & 127) | 128); x >>>= 7 } out.push(x); return out }
const str = (s: string): number[] => [...new TextEncoder().encode(s)]
/** A length-delimited protobuf field. */
const field = (no: number, bytes: number[]): number[] => [...varint((no << 3) | 2), ...varint(bytes.length), ...bytes]
const intField = (no: number, v: number): number[] => [...varint(no << 3), ...varint(v)]

/** ModelProto { ir_version 7, opset 13, graph { node MatMul(A, B) → C; inputs A[M,K], B[K,N]; output C[M,N] } }.
 *  elemType: 1 = float, 11 = double (onnx.TensorProto.DataType). */
export const matMulModel = (elemType: number): Uint8Array => {
  const tensorType = (dims: string[]): number[] => field(1, [...intField(1, elemType), ...field(2, dims.flatMap((d) => field(1, field(2, str(d)))))])
  const valueInfo = (name: string, dims: string[]): number[] => [...field(1, str(name)), ...field(2, tensorType(dims))]
  const node = [...field(1, str('A')), ...field(1, str('B')), ...field(2, str('C')), ...field(4, str('MatMul'))]
  const graph = [...field(1, node), ...field(2, str('g')), ...field(11, valueInfo('A', ['M', 'K'])), ...field(11, valueInfo('B', ['K', 'N'])), ...field(12, valueInfo('C', ['M', 'N']))]
  return new Uint8Array([...intField(1, 7), ...field(8, intField(2, 13)), ...field(7, graph)])
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [threads, dtype, nStr, runsStr] = process.argv.slice(2)
  const n = Number(nStr), runs = Number(runsStr)
  const ort = await import('onnxruntime-web')
  ort.env.wasm.numThreads = Number(threads)
  ort.env.wasm.simd = true
  const f64 = dtype === 'f64'
  const session = await ort.InferenceSession.create(matMulModel(f64 ? 11 : 1), { executionProviders: ['wasm'] })
  const T = f64 ? Float64Array : Float32Array
  const a = new T(n * n).map(() => Math.random() - 0.5), b = new T(n * n).map(() => Math.random() - 0.5)
  const feeds = { A: new ort.Tensor(f64 ? 'float64' : 'float32', a, [n, n]), B: new ort.Tensor(f64 ? 'float64' : 'float32', b, [n, n]) }
  // ort's run() is async: time it with an async median (warm-up first)
  await session.run(feeds)
  const ts: number[] = []
  for (let i = 0; i < runs; i++) { const t0 = performance.now(); await session.run(feeds); ts.push(performance.now() - t0) }
  ts.sort((x, y) => x - y)
  console.log(JSON.stringify({ ms: ts[Math.floor(ts.length / 2)], bytes: matMulModel(f64 ? 11 : 1).length }))
  process.exit(0)
}
