#!/usr/bin/env python3
"""Times torch on the same shapes as gpu.bench.ts, in the same run. Reads JSON jobs (one per line) on
stdin, prints one JSON result per line: {"ms": median, "device": name} or {"error": "..."}.
Jobs: {"op": "gemm", "m", "k", "n", "dtype": "f32"|"f16", "runs"} and {"op": "svd_lowrank", "m", "n", "q", "niter", "runs"}.
f32 GEMM runs with TF32 off (torch.backends.cuda.matmul.allow_tf32 = False), as cuBLAS fp32 is the target."""
import json, sys, time

def main() -> None:
    try:
        import torch
    except Exception as e:  # no torch here: say so, never estimate
        for _ in sys.stdin:
            print(json.dumps({"error": f"torch unavailable: {e}"}), flush=True)
        return
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    name = torch.cuda.get_device_name(0) if dev == "cuda" else "cpu"
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    sync = torch.cuda.synchronize if dev == "cuda" else (lambda: None)
    g = torch.Generator(device=dev).manual_seed(0)

    def median_ms(fn, runs: int) -> float:
        fn(); sync()
        ts = []
        for _ in range(runs):
            t0 = time.perf_counter(); fn(); sync(); ts.append((time.perf_counter() - t0) * 1e3)
        ts.sort()
        return ts[len(ts) // 2]

    for line in sys.stdin:
        if not line.strip():
            continue
        job = json.loads(line)
        runs = int(job.get("runs", 10))
        try:
            if job["op"] == "gemm":
                dt = torch.float16 if job.get("dtype") == "f16" else torch.float32
                a = torch.randn(job["m"], job["k"], device=dev, dtype=dt, generator=g)
                b = torch.randn(job["k"], job["n"], device=dev, dtype=dt, generator=g)
                ms = median_ms(lambda: a @ b, runs)
            elif job["op"] == "svd_lowrank":
                a = torch.randn(job["m"], job["n"], device=dev, dtype=torch.float32, generator=g)
                ms = median_ms(lambda: torch.svd_lowrank(a, q=job["q"], niter=job["niter"]), runs)
            else:
                raise ValueError(f"unknown op {job['op']}")
            print(json.dumps({"ms": ms, "device": name, "torch": torch.__version__}), flush=True)
        except Exception as e:
            print(json.dumps({"error": str(e)}), flush=True)

if __name__ == "__main__":
    main()
