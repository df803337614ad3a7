"""Numeric check of the torch.nn -> MLX layer table: one process for every case.

Reads a JSON list of cases on stdin (built by test/layers.test.ts from passes/tables/layers.ts),
prints one JSON object per case on stdout: {"id", "ok", "max_diff", "compared", "error"}.
Each case: the torch layer with seeded random parameters, the MLX layer from the rendered template,
the torch state_dict converted by the row's weight rules, the same inputs (channels-last where the
row says so), every output tensor compared.
"""
import json
import math
import re
import sys
import traceback

import numpy as np
import torch
import mlx.core as mx
import mlx.nn as mnn

torch.set_num_threads(1)



def compile_pattern(pattern):
    parts = [re.escape(p) for p in pattern.split("*")]
    return re.compile("^" + "([^.]+)".join(parts) + "$")


def fill(pattern, captures):
    out = pattern
    for c in captures:
        out = out.replace("*", c, 1)
    return out


def apply_rules(state, rules):
    """The weight-map rule ops of docs/architecture.md, on numpy arrays."""
    out = {}
    consumed = set()
    for key in state:
        if key in consumed:
            continue
        for rule in rules:
            torch_pats = rule["torch"] if isinstance(rule["torch"], list) else [rule["torch"]]
            m = compile_pattern(torch_pats[0]).match(key)
            if not m:
                continue
            caps = m.groups()
            op, args = rule["op"], rule.get("args", [])
            mlx_pats = rule["mlx"]
            value = state[key]
            if op == "drop":
                pass
            elif op == "identity":
                out[fill(mlx_pats, caps)] = value
            elif op == "conv":
                out[fill(mlx_pats, caps)] = np.moveaxis(value, 1, -1)
            elif op == "conv_transpose":
                out[fill(mlx_pats, caps)] = np.transpose(value, list(range(1, value.ndim)) + [0])
            elif op == "split":
                for name, part in zip(mlx_pats, np.split(value, len(mlx_pats), axis=args[0])):
                    out[fill(name, caps)] = part
            elif op == "sum":
                others = [fill(p, caps) for p in torch_pats[1:]]
                consumed.update(others)
                out[fill(mlx_pats, caps)] = value + sum(state[k] for k in others)
            else:
                raise ValueError(f"weight op {op} not handled by the check")
            break
        else:
            out[key] = state[key]
    return out


def channels_last_perm(rank):
    return [0, *range(2, rank), 1] if rank >= 3 else list(range(rank))


def make_input(spec, rng):
    shape, kind = spec["shape"], spec.get("kind", "float")
    if kind == "int":
        return rng.integers(0, spec["high"], size=shape).astype(np.int64)
    if kind == "causal":
        return np.triu(np.ones(shape, dtype=bool), k=1)
    if kind == "padmask":
        m = rng.random(shape) < 0.3
        m[:, 0] = False  # every query keeps at least one key
        return m
    return (rng.standard_normal(shape) * spec.get("scale", 1.0)).astype(np.float32)


def to_mx(a):
    return mx.array(a.astype(np.int32) if a.dtype == np.int64 else a)


def leaves(x):
    if isinstance(x, (tuple, list)):
        for item in x:
            yield from leaves(item)
    else:
        yield x


def randomise(module):
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if not t.is_floating_point():
                continue
            t.copy_(torch.randn(t.shape, generator=g) * 0.5)
            if name.endswith("running_var"):
                t.abs_().add_(0.5)


def run_case(case, helper_sources):
    ns_mx = {"mx": mx, "nn": mnn, "math": math}
    for name in case["helpers"]:
        exec(helper_sources[name], ns_mx)
    ns_torch = {"torch": torch, "nn": torch.nn, "F": torch.nn.functional}

    torch.manual_seed(0)
    t_layer = eval(case["torch"], ns_torch)
    randomise(t_layer)
    t_layer.eval()
    m_layer = eval(case["mlx"], ns_mx)

    state = {k: v.detach().numpy() for k, v in t_layer.state_dict().items()}
    weights = apply_rules(state, case["weights"])
    m_layer.load_weights([(k, mx.array(v)) for k, v in weights.items()], strict=True)
    m_layer.eval()

    rng = np.random.default_rng(0)
    raw = [make_input(spec, rng) for spec in case["inputs"]]
    t_in, m_in = {}, {}
    cl_ranks = case["channels_last_ranks"]
    for i, (spec, a) in enumerate(zip(case["inputs"], raw)):
        t_in[f"in{i}"] = torch.from_numpy(a)
        if a.dtype == np.float32 and a.ndim in cl_ranks and not spec.get("logical"):
            a = np.transpose(a, channels_last_perm(a.ndim))
        m_in[f"in{i}"] = to_mx(np.ascontiguousarray(a))
    call = case["call"]
    with torch.no_grad():
        t_out = eval(f"layer({call})", {**ns_torch, **t_in, "layer": t_layer})
    m_out = eval(f"layer({call})", {**ns_mx, **m_in, "layer": m_layer})

    worst, compared = 0.0, 0
    t_leaves, m_leaves = list(leaves(t_out)), list(leaves(m_out))
    if len(t_leaves) != len(m_leaves):
        raise AssertionError(f"torch returns {len(t_leaves)} tensors, MLX {len(m_leaves)}")
    for t, m in zip(t_leaves, m_leaves):
        if m is None:  # e.g. MultiheadAttention's attention weights, not computed
            continue
        m = np.array(m)
        t = t.numpy()
        if m.ndim in cl_ranks:  # channels-last back to torch's order
            m = np.transpose(m, np.argsort(channels_last_perm(m.ndim)))
        if m.shape != t.shape:
            raise AssertionError(f"shape: torch {t.shape}, MLX {m.shape}")
        both_nan = np.isnan(t) & np.isnan(m)
        diff = np.where(both_nan, 0.0, np.abs(t.astype(np.float64) - m.astype(np.float64)))
        worst = max(worst, float(np.max(diff)) if diff.size else 0.0)
        compared += 1
    return worst, compared


def main():
    payload = json.load(sys.stdin)
    for case in payload["cases"]:
        result = {"id": case["id"]}
        try:
            worst, compared = run_case(case, payload["helpers"])
            result.update(ok=True, max_diff=worst, compared=compared)
        except Exception as e:  # reported per case; the test prints it
            result.update(ok=False, error=f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=3)}")
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
