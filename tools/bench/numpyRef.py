"""Reference timings for lr benchmarks: reads a JSON job on stdin, runs numpy on the same inputs,
prints JSON {"op":..., "ms": median, "runs": N} per line. Called by the TS benchmarks in the same run.
Job: {"op": "sgemm"|"dgemm"|"svd"|"svdvals"|..., "n": int, "m": int?, "k": int?, "runs": int, "seed": int}
Benchmarks that need other numpy ops add them here (one function each)."""
import json, sys, time
import numpy as np

def timed(fn, runs):
    fn()  # warm-up
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1e3)
    ts.sort()
    return ts[len(ts) // 2]

def job_gemm(j, dtype):
    rng = np.random.default_rng(j.get("seed", 0))
    m, k, n = j.get("m", j["n"]), j.get("k", j["n"]), j["n"]
    a = rng.standard_normal((m, k)).astype(dtype); b = rng.standard_normal((k, n)).astype(dtype)
    return timed(lambda: a @ b, j.get("runs", 5))

def job_svd(j, compute_uv):
    rng = np.random.default_rng(j.get("seed", 0))
    m, n = j.get("m", j["n"]), j["n"]
    a = rng.standard_normal((m, n)).astype(np.float32 if j.get("dtype", "f64") == "f32" else np.float64)
    return timed(lambda: np.linalg.svd(a, full_matrices=False, compute_uv=compute_uv), j.get("runs", 3))

OPS = {
    "sgemm": lambda j: job_gemm(j, np.float32),
    "dgemm": lambda j: job_gemm(j, np.float64),
    "svd": lambda j: job_svd(j, True),
    "svdvals": lambda j: job_svd(j, False),
}

def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        j = json.loads(line)
        ms = OPS[j["op"]](j)
        print(json.dumps({"op": j["op"], "ms": ms, "runs": j.get("runs", 5)}), flush=True)

if __name__ == "__main__":
    main()
