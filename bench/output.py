"""Output-speed benchmark: translated golden models vs hand-written MLX ports vs PyTorch, same weights,
same inputs, one process.

Usage: python bench/output.py REQUEST.json [RESULT.json]   (RESULT.json overrides the request's "result")
REQUEST = {"models": [{"name", "torch": input.py, "mlx": translated .py, "port": bench/ports/<name>.py,
                       "class", "args", "inputs": [{"shape", "dtype", "high"?}]}],
           "repeats": int, "warmup": int, "device": "cpu" | "gpu", "result": path,
           "time": bool (false: check outputs and count graph ops only)}
Writes to `result`: {"machine": {...}, "models": [{"name", "ok", "error"?, "maxDiff": {...},
  "ms": {variant: median}, "ratios": {pair: median of per-round ratios}, "peakMB": {variant: MB}, "ops": {"translated", "port"}: primitives per forward,
  "opsDiff": {primitive: translated count - port count}}]}
Variants: translated, port, translated_compiled, port_compiled (mx.compile of the forward), torch.
Before timing, the port must match the translation within 1e-4 (and the translation torch): a port
that computes something else would make its speed meaningless.
"""
import json
import os
import platform
import re
import tempfile
import statistics
import sys
import time
import traceback

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src", "parity"))
from torch_side import build as build_torch, load_module, make_inputs, perturb_constants  # noqa: E402
from mlx_side import build as build_mlx, flatten_outputs  # noqa: E402

TOLERANCE = 1e-4


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_info(mx, torch, device):
    info = {"cpu": cpu_model(), "cores": os.cpu_count(), "mlx": mx.__version__, "torch": torch.__version__,
            "python": platform.python_version(), "mlxDevice": str(mx.default_device()), "torchThreads": torch.get_num_threads()}
    if device == "gpu":
        info["gpu"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return info


def first(value, mx):
    return [o for o in flatten_outputs(value, mx, []) if o is not None][0]


def max_diff(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def graph_ops(fn, mx, path):
    """The primitives one forward builds (MLX's lazy graph, written by mx.export_to_dot): a count that does
    not depend on the machine's load, so a translation that does more work than the port shows even where
    the timings are noisy."""
    mx.export_to_dot(path, fn())
    counts = {}
    for m in re.finditer(r'label ="([^"]+)", shape=rectangle', open(path).read()):
        counts[m.group(1)] = counts.get(m.group(1), 0) + 1
    os.remove(path)
    return counts


def median_ms(fn, sync, repeats, warmup):
    for _ in range(warmup):
        sync(fn())
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        sync(fn())
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def bench_model(spec, repeats, warmup, device, mx, torch, timed=True):
    import mlx.nn as mlx_nn
    from mlx.utils import tree_flatten

    torch_dev = "cuda" if device == "gpu" else "cpu"
    tmod = load_module(spec["torch"], f"bench_torch_{spec['name']}")
    torch.manual_seed(0)
    tmodel = build_torch(tmod, spec["class"], spec["args"])
    perturb_constants(tmodel, torch, 1)
    tmodel.eval()
    state = {k: mx.array(v.detach().float().numpy() if v.is_floating_point() else v.detach().numpy()) for k, v in tmodel.state_dict().items()}
    tmodel.to(torch_dev)

    mmod = load_module(spec["mlx"], f"bench_mlx_{spec['name']}")
    translated = build_mlx(mmod, spec["class"], spec["args"])
    weights = translated.sanitize(state) if hasattr(translated, "sanitize") else state
    translated.load_weights(list(weights.items()), strict=True)
    translated.eval()

    pmod = load_module(spec["port"], f"bench_port_{spec['name']}")
    port = pmod.build(spec["args"])
    # every path, tied ones included: the translation lists a tied array once (C2MModuleMixin, as torch's parameters())
    port.load_weights(tree_flatten(mlx_nn.Module.parameters(translated)), strict=True)
    port.eval()
    mx.eval(translated.parameters(), port.parameters())

    (inputs,) = make_inputs([spec["inputs"]], 0)
    mx_in = [mx.array(a.astype(np.int32) if a.dtype == np.int64 else a) for a in inputs]
    t_in = [torch.from_numpy(a).to(torch_dev) for a in inputs]

    def run_translated():
        return first(translated(*mx_in), mx)

    def run_port():
        return first(port(*mx_in), mx)

    compiled_translated = mx.compile(lambda *xs: first(translated(*xs), mx))
    compiled_port = mx.compile(lambda *xs: first(port(*xs), mx))

    def run_torch():
        with torch.no_grad():
            out = tmodel(*t_in)
        return out[0] if isinstance(out, (tuple, list)) else out

    def sync_torch(_):
        if torch_dev == "cuda":
            torch.cuda.synchronize()

    variants = {
        "translated": (run_translated, mx.eval),
        "port": (run_port, mx.eval),
        "translated_compiled": (lambda: compiled_translated(*mx_in), mx.eval),
        "port_compiled": (lambda: compiled_port(*mx_in), mx.eval),
        "torch": (run_torch, sync_torch),
    }

    ref = run_torch().detach().float().cpu().numpy()
    outs = {name: np.array(fn()) for name, (fn, _) in variants.items() if name != "torch"}
    diffs = {"translated_vs_torch": max_diff(outs["translated"], ref)}
    for name in ("port", "translated_compiled", "port_compiled"):
        diffs[f"{name}_vs_translated"] = max_diff(outs[name], outs["translated"])
    bad = {k: v for k, v in diffs.items() if not v <= TOLERANCE}
    if bad:
        return {"name": spec["name"], "ok": False, "maxDiff": diffs, "error": f"outputs differ beyond {TOLERANCE}: {bad}"}

    dot = os.path.join(tempfile.gettempdir(), f"c2m_bench_{os.getpid()}.dot")
    ops = {name: graph_ops(variants[name][0], mx, dot) for name in ("translated", "port")}
    ops_diff = {k: ops["translated"].get(k, 0) - ops["port"].get(k, 0) for k in sorted(set(ops["translated"]) | set(ops["port"]))}
    ops_diff = {k: v for k, v in ops_diff.items() if v}

    if not timed:  # the smoke test: outputs and graphs only
        return {"name": spec["name"], "ok": True, "maxDiff": diffs, "ops": {k: sum(v.values()) for k, v in ops.items()}, "opsDiff": ops_diff}

    # peak memory of one forward (MLX's allocator; torch's CUDA allocator on the GPU run)
    peak = {}
    for name, (fn, sync) in variants.items():
        if name == "torch":
            if torch_dev == "cuda":
                torch.cuda.reset_peak_memory_stats()
                base = torch.cuda.memory_allocated()
                sync(fn())
                peak[name] = (torch.cuda.max_memory_allocated() - base) / 2**20
            continue
        sync(fn())
        mx.clear_cache()
        mx.reset_peak_memory()
        base = mx.get_active_memory()
        sync(fn())
        peak[name] = (mx.get_peak_memory() - base) / 2**20

    # One forward of every variant per round, in a rotating order, so that a noisy neighbour slows every
    # variant alike; translated ÷ port is the median of the per-round ratios (back-to-back pairs), which a
    # drifting machine load disturbs far less than a ratio of two medians.
    samples = {name: [] for name in variants}
    for name, (fn, sync) in variants.items():
        median_ms(fn, sync, 0, warmup)
    names = list(variants)
    for r in range(repeats):
        order = names[r % len(names):] + names[: r % len(names)]
        for name in order:
            fn, sync = variants[name]
            samples[name] += median_ms(fn, sync, 1, 0)
    ratios = {
        "translated_over_port": statistics.median(a / b for a, b in zip(samples["translated"], samples["port"])),
        "translated_over_torch": statistics.median(a / b for a, b in zip(samples["translated"], samples["torch"])),
        "translated_compiled_over_port_compiled": statistics.median(
            a / b for a, b in zip(samples["translated_compiled"], samples["port_compiled"])),
    }
    ms = {name: statistics.median(v) for name, v in samples.items()}
    return {"name": spec["name"], "ok": True, "maxDiff": diffs, "ms": ms, "ratios": ratios, "peakMB": peak,
            "inputs": [list(s["shape"]) for s in spec["inputs"]], "samples": len(samples["port"]),
            "ops": {k: sum(v.values()) for k, v in ops.items()}, "opsDiff": ops_diff}


def main():
    request = json.load(open(sys.argv[1]))
    device = request.get("device", "cpu")
    if device == "gpu":
        # full float32 on both sides: MLX's CUDA backend and cuDNN otherwise run float32 matrix products
        # and convolutions in TF32 (about 1e-3 relative), and the 1e-4 parity checks would fail
        os.environ.setdefault("MLX_ENABLE_TF32", "0")
    import mlx.core as mx
    import torch

    if device == "gpu":
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    mx.set_default_device(mx.gpu if device == "gpu" else mx.cpu)
    result = {"machine": machine_info(mx, torch, device), "device": device, "models": []}
    for spec in request["models"]:
        try:
            result["models"].append(bench_model(spec, request.get("repeats", 30), request.get("warmup", 5), device, mx, torch, request.get("time", True)))
        except Exception as e:  # one model's failure is reported in the table, the others still run
            frames = traceback.extract_tb(e.__traceback__)
            where = f" ({os.path.basename(frames[-1].filename)}:{frames[-1].lineno})" if frames else ""
            result["models"].append({"name": spec["name"], "ok": False, "error": f"{type(e).__name__}: {e}{where}"})
        print(json.dumps(result["models"][-1]), file=sys.stderr, flush=True)
    json.dump(result, open(sys.argv[2] if len(sys.argv) > 2 else request["result"], "w"), indent=1)


if __name__ == "__main__":
    main()
