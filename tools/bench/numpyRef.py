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
    if j.get("cpu"):  # (wall ms, process CPU ms): the CPU time stays meaningful on a loaded machine
        return timed_cpu(lambda: a @ b, j.get("runs", 5))
    return timed(lambda: a @ b, j.get("runs", 5))

def job_svd(j, compute_uv):
    rng = np.random.default_rng(j.get("seed", 0))
    m, n = j.get("m", j["n"]), j["n"]
    a = rng.standard_normal((m, n)).astype(np.float32 if j.get("dtype", "f64") == "f32" else np.float64)
    return timed(lambda: np.linalg.svd(a, full_matrices=False, compute_uv=compute_uv), j.get("runs", 3))

def job_eigh(j, compute_v):
    rng = np.random.default_rng(j.get("seed", 0))
    n = j["n"]
    a = rng.standard_normal((n, n)); a = (a + a.T).astype(np.float32 if j.get("dtype", "f64") == "f32" else np.float64)
    return timed(lambda: np.linalg.eigh(a) if compute_v else np.linalg.eigvalsh(a), j.get("runs", 3))

def timed_cpu(fn, runs):
    """Like timed, but returns (median wall ms, median process CPU ms): CPU time stays meaningful on a loaded machine."""
    fn()
    ws, cs = [], []
    for _ in range(runs):
        c0 = time.process_time(); t0 = time.perf_counter(); fn()
        ws.append((time.perf_counter() - t0) * 1e3); cs.append((time.process_time() - c0) * 1e3)
    ws.sort(); cs.sort()
    return ws[len(ws) // 2], cs[len(cs) // 2]

def job_svd_cpu(j):
    """np.linalg.svd(A, compute_uv=False): (median wall ms, median process CPU ms)."""
    rng = np.random.default_rng(j.get("seed", 0))
    m, n = j.get("m", j["n"]), j["n"]
    a = rng.standard_normal((m, n)).astype(np.float32 if j.get("dtype", "f64") == "f32" else np.float64)
    return timed_cpu(lambda: np.linalg.svd(a, compute_uv=False), j.get("runs", 3))

def job_bf16_decode(j):
    # BF16 bits -> float32, the numpy way (no bfloat16 dtype in numpy): widen, shift, reinterpret.
    rng = np.random.default_rng(j.get("seed", 0))
    u16 = rng.integers(0, 1 << 16, size=j["n"], dtype=np.uint16)
    return timed_cpu(lambda: (u16.astype(np.uint32) << 16).view(np.float32), j.get("runs", 5))

def job_fromfile(j):
    # Whole-file read into a fresh array (np.fromfile), for the io read benchmarks.
    return timed_cpu(lambda: np.fromfile(j["path"], dtype=np.uint8), j.get("runs", 3))

def job_rsvd(j):
    """Halko–Martinsson–Tropp with the same steps as @lr/svd randomizedSvd: l = r + p Gaussian columns,
    q power iterations re-orthonormalized by QR at each half-step, then the SVD of B = QᵀA."""
    rng = np.random.default_rng(j.get("seed", 0))
    dt = np.float32 if j.get("dtype", "f64") == "f32" else np.float64
    m, n = j.get("m", j["n"]), j["n"]
    a = rng.standard_normal((m, n)).astype(dt)
    r, p, q = j["rank"], j.get("oversample", 10), j.get("powerIters", 2)
    def run():
        omega = rng.standard_normal((n, r + p)).astype(dt)
        qm, _ = np.linalg.qr(a @ omega)
        for _ in range(q):
            z, _ = np.linalg.qr(a.T @ qm)
            qm, _ = np.linalg.qr(a @ z)
        b = qm.T @ a
        ub, s, vt = np.linalg.svd(b, full_matrices=False)
        return (qm @ ub)[:, :r], s[:r], vt[:r]
    if j.get("cpu"):  # (wall ms, process CPU ms)
        return timed_cpu(run, j.get("runs", 3))
    return timed(run, j.get("runs", 3))

OPS = {
    "bf16_decode": job_bf16_decode,
    "fromfile": job_fromfile,
    "rsvd": job_rsvd,
    "sgemm": lambda j: job_gemm(j, np.float32),
    "dgemm": lambda j: job_gemm(j, np.float64),
    "svd": lambda j: job_svd(j, True),
    "svdvals": lambda j: job_svd(j, False),
    "svdvals_cpu": lambda j: job_svd_cpu(j),
    "eigh": lambda j: job_eigh(j, True),
    "eigvalsh": lambda j: job_eigh(j, False),
}

def main():
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        j = json.loads(line)
        res = OPS[j["op"]](j)
        ms, cpu_ms = res if isinstance(res, tuple) else (res, None)
        out = {"op": j["op"], "ms": ms, "runs": j.get("runs", 5)}
        if cpu_ms is not None: out["cpu_ms"] = cpu_ms
        print(json.dumps(out), flush=True)

if __name__ == "__main__":
    main()
