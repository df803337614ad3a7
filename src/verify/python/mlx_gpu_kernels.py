"""Runs every golden kernel's emitted MLX module through real MLX on a GPU and compares the buffers
with the H100 recordings of the CUDA original (prepared by `node dist/src/verify/wrapper-driver.js
prepare-gpu DIR`). On MLX's CUDA backend the modules take their mx.fast.cuda_kernel path; on a Mac,
their mx.fast.metal_kernel path. Integers must match exactly, float32 within 1e-5 relative, float16
within 1e-3. Prints one line per compared buffer and exits 1 on any mismatch.

usage: python mlx_gpu_kernels.py DIR
"""
import importlib.util
import json
import os
import platform
import sys

import mlx.core as mx
import numpy as np

NP = {"float32": np.float32, "float16": np.float16, "int32": np.int32, "uint32": np.uint32, "uint8": np.uint8, "int64": np.int64}


def load(path, dtype):
    return np.fromfile(path, dtype=NP[dtype])


def main(folder):
    jobs = json.load(open(os.path.join(folder, "jobs.json")))
    backend = "cuda" if (hasattr(mx, "cuda") and mx.cuda.is_available()) else "metal" if mx.metal.is_available() else "cpu"
    print(f"MLX {mx.__version__} on {platform.node()} ({platform.machine()}), backend: {backend}, default device: {mx.default_device()}")
    if backend == "cpu":
        print("no GPU backend: nothing to run")
        return 2
    failures = compared = 0
    for job in jobs:
        spec = importlib.util.spec_from_file_location(job["name"] + "_driver", os.path.join(folder, job["driver"]))
        driver = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(driver)
        path = "cuda_kernel" if driver._k._C2M_CUDA else "metal_kernel"
        for si, sizes in enumerate(job["sizes"]):
            args = [mx.array(load(os.path.join(folder, f"{job['name']}.s{si}.{b['name']}.in.bin"), b["dtype"])) for b in job["buffers"]]
            try:
                outs = getattr(driver, f"run_s{si}")(*args)
                mx.eval(*outs)
            except Exception as e:  # a kernel that fails to compile or launch is a failure, reported per size
                failures += 1
                print(f"FAIL {job['name']} {json.dumps(sizes)} via {path}: {type(e).__name__}: {str(e)[:2000]}")
                continue
            for b, out in zip(job["buffers"], outs):
                if b["role"] == "input":
                    continue
                got = np.array(out).reshape(-1)
                want = load(os.path.join(folder, f"{job['name']}.s{si}.{b['name']}.h100.bin"), b["dtype"])
                compared += 1
                if got.shape != want.shape:
                    failures += 1
                    print(f"FAIL {job['name']} {json.dumps(sizes)} {b['name']}: shape {got.shape} vs recorded {want.shape}")
                    continue
                g, w = got.astype(np.float64), want.astype(np.float64)
                diff = np.abs(g - w)
                max_abs = float(diff.max()) if diff.size else 0.0
                max_rel = float((diff / np.maximum(np.abs(w), 1e-30)).max()) if diff.size else 0.0
                if b["dtype"] in ("float32", "float16"):
                    rtol, atol = (1e-5, 1e-6) if b["dtype"] == "float32" else (1e-3, 1e-3)
                    # isclose: a NaN where the recording has a number is a mismatch (diff > tol is False for NaN)
                    bad = ~np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
                else:
                    bad = diff != 0
                ok = not bad.any()
                if not ok:
                    failures += 1
                    i = int(np.argmax(bad))
                    print(f"FAIL {job['name']} {json.dumps(sizes)} {b['name']} via {path}: first mismatch at [{i}]: got {got[i]}, recorded {want[i]}; max abs {max_abs:.3g}")
                else:
                    print(f"ok   {job['name']:<18} {json.dumps(sizes):<28} {b['name']:<11} {b['dtype']:<8} n={got.size:<7} max abs {max_abs:.2e}  max rel {max_rel:.2e}  via {path}")
    print(f"{compared} buffers compared, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
