"""Writes the names the output verifier (emit/verify/) accepts: passes/tables/mlx-api.json.

For each MLX namespace c2m emits (`mx`, `mx.fast`, `nn`, `nn.init`, ...) the public attributes it has in
the installed MLX; the attributes of `mx.array` and of `mlx.nn.Module`; and, for the name resolver, the
builtins and the standard library's module names of the running Python (`sys.stdlib_module_names`).
test/verify-output.test.ts re-runs it and compares.
"""
import builtins
import json
import sys

import mlx
import mlx.core as mx
import mlx.nn as nn
import mlx.nn.init
import mlx.nn.losses
import mlx.optimizers
import mlx.utils

NAMESPACES = {
    "mx": mx,
    "mx.fast": mx.fast,
    "mx.random": mx.random,
    "mx.linalg": mx.linalg,
    "mx.fft": mx.fft,
    "mx.distributed": mx.distributed,
    "mx.metal": mx.metal,
    "nn": nn,
    "nn.init": nn.init,
    "nn.losses": nn.losses,
    "mlx.utils": mlx.utils,
    "mlx.optimizers": mlx.optimizers,
}


def public(obj):
    return sorted(n for n in dir(obj) if not n.startswith("__"))


out = {
    "mlx": mx.__version__,
    "namespaces": {name: public(ns) for name, ns in NAMESPACES.items()},
    "array": public(mx.array),
    "module": public(nn.Module),
    "builtins": sorted(dir(builtins)),
    "stdlib": sorted(n for n in sys.stdlib_module_names if not n.startswith("_") or n in ("__future__", "_thread")),
}
json.dump(out, sys.stdout, indent=0, sort_keys=True)
sys.stdout.write("\n")
