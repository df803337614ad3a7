"""Numeric check of the torch → MLX op table (run by test/ops.test.ts, one process for every case).

Input: a JSON file with {"helpers": {name: path}, "names": [torch names], "cases": [{"id", "torch",
"mlx", "check", ...}]}. Each case's torch source is evaluated with torch on seeded inputs, its MLX
source (rendered from the table row by the TypeScript side) with MLX on the same numbers, and the
results are compared: within 1e-5 for floats, exactly for integers and booleans. Prints a JSON report.
"""
import json
import math
import sys

import numpy as np
import torch
import torch.nn.functional as F
import mlx.core as mx
import mlx.nn as nn

RNG = np.random.default_rng(1234)


def normal(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def inputs():
    """Named inputs as numpy arrays; ints are int64 for torch and int32 for MLX (the port's policy)."""
    x = {}
    x["a"], x["b"] = normal(2, 3, 4), normal(2, 3, 4)
    x["c"], x["d"] = normal(3, 4), normal(4, 5)
    x["v"], x["w"] = normal(4), normal(4)
    x["m"] = RNG.random((2, 3, 4)) > 0.5
    x["n"] = RNG.random((2, 3, 4)) > 0.5
    x["p"] = np.abs(normal(2, 3, 4)) + 0.1
    x["u"] = (RNG.random((2, 3, 4)) * 1.8 - 0.9).astype(np.float32)
    x["g"] = (RNG.random((2, 3, 4)) * 3 + 1.1).astype(np.float32)
    x["i"] = RNG.integers(-5, 6, (2, 3, 4))
    x["k"] = RNG.integers(1, 4, (2, 3, 4))
    x["j"] = np.array([2, 0, 1])
    x["idx"] = RNG.integers(0, 4, (2, 3, 2))
    x["perm"] = np.argsort(RNG.random((2, 3, 4)), axis=2)[..., :2]
    x["s1"] = normal(2, 1, 4)
    x["half"] = normal(2, 3).astype(np.float16)
    x["nanv"] = np.array([1.0, np.nan, np.inf, -np.inf, -2.5], dtype=np.float32)
    x["bA"], x["bB"] = normal(2, 3, 4), normal(2, 4, 5)
    x["x3"], x["x4"], x["x5"] = normal(2, 4, 9), normal(2, 4, 6, 7), normal(1, 2, 4, 5, 6)
    x["x4sq"] = normal(1, 2, 4, 4)
    x["w3"], x["w4"], x["w5"] = normal(5, 4, 3), normal(5, 4, 3, 3), normal(3, 2, 2, 2, 2)
    x["w4g"], x["w4e"] = normal(6, 2, 3, 3), normal(5, 4, 2, 2)
    x["bias5"], x["bias3"] = normal(5), normal(3)
    x["ch4"], x["ch4b"] = normal(4), normal(4)
    x["rm"], x["rv"] = normal(4), np.abs(normal(4)) + 0.5
    x["lnw"], x["lnb"] = normal(4), normal(4)
    x["lnw2"], x["lnb2"] = normal(3, 4), normal(3, 4)
    x["q"], x["kk"], x["vv"] = normal(2, 2, 5, 8), normal(2, 2, 5, 8), normal(2, 2, 5, 8)
    x["kl"], x["vl"] = normal(2, 2, 7, 8), normal(2, 2, 7, 8)
    x["kg"], x["vg"] = normal(2, 1, 5, 8), normal(2, 1, 5, 8)
    x["bmask"] = np.tril(np.ones((5, 5), dtype=bool)) | (RNG.random((5, 5)) > 0.6)
    x["fmask"] = normal(5, 5)
    x["logits"], x["labels"] = normal(4, 5), np.array([1, 0, 4, 2])
    x["logits3"], x["labels3"] = normal(2, 5, 3), RNG.integers(0, 5, (2, 3))
    x["ilabels"] = np.array([1, -100, 4, 2])
    x["probs"] = np.exp(x["logits"]) / np.exp(x["logits"]).sum(1, keepdims=True)
    x["classw"] = np.abs(normal(5)) + 0.2
    x["sig"] = 1 / (1 + np.exp(-normal(4, 5)))
    x["bin"] = (RNG.random((4, 5)) > 0.5).astype(np.float32)
    x["emb"], x["tok"] = normal(10, 3), RNG.integers(0, 10, (2, 3))
    x["cls"] = np.array([0, 3, 1, 2])
    x["z"] = (normal(3) + 1j * normal(3)).astype(np.complex64)
    x["r2"] = normal(3, 2)
    x["seq"], x["vals"] = np.array([0.0, 1.0, 2.5, 4.0, 7.0], dtype=np.float32), normal(6) * 3
    x["sq"] = normal(3, 3)
    x["bsq"] = normal(2, 3, 3)
    x["uniq"] = RNG.permutation(24).reshape(2, 3, 4).astype(np.float32)
    x["r8"] = normal(8)
    m3 = normal(3, 3)
    x["spd"] = m3 @ m3.T + 3 * np.eye(3, dtype=np.float32)
    bm = normal(2, 3, 3)
    x["bspd"] = bm @ bm.transpose(0, 2, 1) + 3 * np.eye(3, dtype=np.float32)
    x["low"] = np.tril(normal(3, 3)) + 3 * np.eye(3, dtype=np.float32)
    x["rhs"] = normal(3, 2)
    x["c3a"], x["c3b"] = normal(4, 3), normal(4, 3)
    x["pts"] = normal(2, 5, 4)
    x["wt3"], x["wt4"], x["wt4g"] = normal(4, 5, 3), normal(4, 3, 3, 3), normal(4, 2, 3, 3)
    # multi_head_attention_forward, torch's (L, N, E): 2 heads of 4, 3 queries, 5 keys, batch 2 (mq1, mk1 unbatched)
    x["mq"], x["mk"], x["mv"] = normal(3, 2, 8), normal(5, 2, 8), normal(5, 2, 8)
    x["mq1"], x["mk1"] = normal(3, 8), normal(5, 8)
    x["mw"], x["mb"] = normal(24, 8) / 3, normal(24)
    x["mwq"], x["mwk"], x["mwv"] = normal(8, 8) / 3, normal(8, 8) / 3, normal(8, 8) / 3
    x["mow"], x["mob"] = normal(8, 8) / 3, normal(8)
    x["mbk"], x["mbv"] = normal(1, 1, 8), normal(1, 1, 8)
    x["mmask"] = RNG.random((3, 5)) > 0.6
    x["mmask"][:, 0] = False
    x["mfmask"] = normal(3, 5)
    x["mkpm"] = RNG.random((2, 5)) > 0.6
    x["mkpm"][:, 0] = False
    return x


def to_torch(value):
    return torch.from_numpy(value.copy()) if isinstance(value, np.ndarray) else value


def to_mlx(value):
    if isinstance(value, np.ndarray):
        if value.dtype == np.int64:
            value = value.astype(np.int32)
        return mx.array(value)
    return value


def kind(dtype_name):
    if dtype_name.startswith("bool"):
        return "bool"
    if "complex" in dtype_name:
        return "complex"
    if "float" in dtype_name:
        return "float"
    return "uint" if dtype_name.startswith("uint") else "int"


def as_numpy(value):
    """(numpy array, dtype name) for tensors, arrays and Python/numpy scalars."""
    if isinstance(value, torch.Tensor):
        t = value.detach().resolve_conj().resolve_neg()
        name = str(t.dtype).replace("torch.", "")
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy(), name
    if isinstance(value, mx.array):
        name = str(value.dtype).replace("mlx.core.", "")
        if value.dtype == mx.bfloat16:
            value = value.astype(mx.float32)
        return np.array(value), name
    if isinstance(value, np.ndarray):
        return value, str(value.dtype)
    if isinstance(value, (bool, np.bool_)):
        return np.asarray(value), "bool"
    if isinstance(value, (int, np.integer)):
        return np.asarray(value), "int"
    if isinstance(value, (float, np.floating)):
        return np.asarray(value, dtype=np.float64), "float"
    return None, None


def compare(want, got, path="result"):
    """None when equal within tolerance, else a message."""
    if isinstance(want, torch.Size):
        want = tuple(want)
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            return f"{path}: torch gives a {type(want).__name__}, MLX a {type(got).__name__}"
        if len(want) != len(got):
            return f"{path}: torch gives {len(want)} items, MLX {len(got)}"
        for n, (w, g) in enumerate(zip(want, got)):
            problem = compare(w, g, f"{path}[{n}]")
            if problem:
                return problem
        return None
    w, wname = as_numpy(want)
    g, gname = as_numpy(got)
    if w is None or g is None:
        return None if want == got else f"{path}: {want!r} != {got!r}"
    if kind(wname) != kind(gname):
        return f"{path}: dtype {wname} (torch) vs {gname} (MLX)"
    if kind(wname) == "float" and "16" in wname + gname and wname != gname:
        return f"{path}: dtype {wname} (torch) vs {gname} (MLX)"
    if w.shape != g.shape:
        return f"{path}: shape {w.shape} (torch) vs {g.shape} (MLX)"
    if kind(wname) in ("int", "bool"):
        return None if np.array_equal(w, g) else f"{path}: values differ: {w.ravel()[:6]} vs {g.ravel()[:6]}"
    tol = 2e-3 if "16" in wname else 1e-5
    if np.allclose(g, w, rtol=tol, atol=tol, equal_nan=True):
        return None
    err = np.nanmax(np.abs(g.astype(np.complex128) - w.astype(np.complex128)))
    return f"{path}: values differ (max abs error {err:.3g})"


def check_random(case, want, got):
    """Random sources: same shape and dtype kind; MLX samples in the expected range / distribution."""
    w, wname = as_numpy(want)
    g, gname = as_numpy(got)
    if w.shape != g.shape or kind(wname) != kind(gname):
        return f"shape/dtype {w.shape} {wname} (torch) vs {g.shape} {gname} (MLX)"
    if "low" in case and (g.min() < case["low"] or g.max() >= case["high"]):
        return f"MLX samples outside [{case['low']}, {case['high']})"
    if case["check"] == "normal" and (abs(g.mean()) > 0.1 or abs(g.std() - 1) > 0.1):
        return f"MLX samples: mean {g.mean():.3f}, std {g.std():.3f}"
    return None


def main():
    spec = json.load(open(sys.argv[1]))
    helper_ns = {"mx": mx, "nn": nn, "np": np, "math": math}
    for name, path in spec["helpers"].items():
        exec(compile(open(path).read(), path, "exec"), helper_ns)
        if name not in helper_ns:
            print(json.dumps({"fatal": f"helper file {path} defines no function {name}"}))
            return
    missing = []
    for name in spec["names"]:
        owner, _, rest = name.partition(".")
        obj = torch.Tensor if owner == "Tensor" else torch
        for part in (rest.split(".") if owner == "Tensor" else name.split(".")[1:]):
            obj = getattr(obj, part, None)
        if obj is None:
            missing.append(name)
    data = inputs()
    results = []
    for case in spec["cases"]:
        mx.random.seed(0)
        torch.manual_seed(0)
        torch_ns = {"torch": torch, "F": F, "np": np, **{k: to_torch(v) for k, v in data.items()}}
        mlx_ns = {**helper_ns, **{k: to_mlx(v) for k, v in data.items()}}
        outcome = {"id": case["id"], "ok": False}
        try:
            want = eval(case["torch"], torch_ns)
        except Exception as e:  # a broken case, reported as such
            outcome["error"] = f"torch raised {type(e).__name__}: {e}"
            results.append(outcome)
            continue
        try:
            got = eval(case["mlx"], mlx_ns)
            if isinstance(got, mx.array):
                mx.eval(got)
        except Exception as e:
            outcome["error"] = f"MLX raised {type(e).__name__}: {e}"
            results.append(outcome)
            continue
        check = case.get("check", "values")
        if check == "values":
            problem = compare(want, got)
        elif check == "runs":
            problem = None
        elif check == "shape":
            w, wname = as_numpy(want)
            g, gname = as_numpy(got)
            problem = None if w.shape == g.shape and kind(wname) == kind(gname) else f"shape/dtype {w.shape} {wname} vs {g.shape} {gname}"
        else:
            problem = check_random(case, want, got)
        outcome["ok"] = problem is None
        if problem:
            outcome["error"] = problem
        results.append(outcome)
    print(json.dumps({"missing": missing, "results": results}))


if __name__ == "__main__":
    main()
