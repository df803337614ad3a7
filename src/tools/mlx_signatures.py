"""Writes the constructor parameter names of every mlx.nn layer class (passes/tables/mlx-signatures.json).

The translator keeps a layer call as the user wrote it only when MLX takes each argument at the same
position or under the same keyword; this file is what it checks against. test/tables.test.ts re-runs it.
"""
import inspect
import json
import sys

import mlx.nn as nn

out = {}
for name in sorted(dir(nn)):
    obj = getattr(nn, name)
    if inspect.isclass(obj) and issubclass(obj, nn.Module):
        try:
            params = list(inspect.signature(obj.__init__).parameters.values())[1:]
        except (TypeError, ValueError):
            continue
        out[f"nn.{name}"] = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
json.dump(out, sys.stdout, indent=1, sort_keys=True)
sys.stdout.write("\n")
