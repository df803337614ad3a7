"""Whether the load-time weight resolver (cookbook/helpers/c2m_runtime_weights.py) converts a model's keys as its static
weight map does: every key of a torch state_dict is converted both ways, by the class's rules in C2M_WEIGHT_MAPS and by
c2m_resolve_torch_keys with the key taken as one left to run time (`torch:KEY`), and the two are compared key by key
(name, shape, values). Keys the static map itself leaves to run time are not compared: only the resolver names them.

Usage: python weights_agreement.py WORK [REGEX [STATIC_ROOT]]   (WORK: a kept zoo scratch folder, `run.js --work WORK`;
       REGEX picks cases by folder name; STATIC_ROOT: another emitted tree of the same package whose static map is the
       reference, the model still built from the case's own tree: does a compile that leaves keys to run time load
       what a compile that names them loads?). Per case one line: `agree N/N CASE` or `DISAGREE k/N CASE: first differences`; exit 1 if
       any case disagrees. The torch state_dict (model.pt) is read in a child interpreter, so the emitted package is
       imported, as zoo_mlx.py imports it, with torch absent.
Also imported by test/runtime-weights-agreement.test.ts (`agreement`).
"""
import json
import os
import re
import subprocess
import sys

HELPERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "cookbook", "helpers")


def helpers(mx, nn):
    """c2m_apply_weight_map and c2m_resolve_torch_keys as c2m emits them (read from the cookbook, not from an output)."""
    ns = {"mx": mx, "nn": nn}
    for name in ("weight_map.py", "c2m_runtime_weights.py"):
        with open(os.path.join(HELPERS, name)) as f:
            exec(compile(f.read(), name, "exec"), ns)  # noqa: S102 - c2m's own helpers
    return ns


def agreement(model, state, rules, mx, nn):
    """(compared, differences): `state` is the torch state_dict as mx arrays, `rules` the model class's static map."""
    ns = helpers(mx, nn)
    static = ns["c2m_apply_weight_map"](state, ns["c2m_runtime_renames"](rules))
    left = {k[len(ns["C2M_RUNTIME_KEY"]):] for k in static if k.startswith(ns["C2M_RUNTIME_KEY"])}
    static = {k: v for k, v in static.items() if not k.startswith(ns["C2M_RUNTIME_KEY"])}
    try:
        resolved = dict(ns["c2m_resolve_torch_keys"](model, [(ns["C2M_RUNTIME_KEY"] + k, v) for k, v in state.items() if k not in left]))
    except ValueError as err:
        return len(static), [f"the resolver raises: {err}"]
    diffs = [f"{k}: static only" for k in static if k not in resolved]
    diffs += [f"{k}: resolver only" for k in resolved if k not in static]
    for k in static.keys() & resolved.keys():
        a, b = static[k], resolved[k]
        if a.shape != b.shape:
            diffs.append(f"{k}: shape {tuple(a.shape)} static, {tuple(b.shape)} resolved")
        elif not mx.array_equal(a, b).item():
            diffs.append(f"{k}: values differ")
    return len(static), sorted(diffs)


TORCH_STATE = """
import sys, numpy as np, torch
state = torch.load(sys.argv[1], map_location="cpu", weights_only=True)
np.savez(sys.argv[2], **{k: v.float().numpy() if v.is_floating_point() else v.numpy() for k, v in state.items()})
"""


RULES = """
import importlib, json, os, sys
sys.path.insert(0, sys.argv[1])
print(json.dumps(importlib.import_module(sys.argv[2]).C2M_WEIGHT_MAPS[sys.argv[3]]))
"""


def case_agreement(case_dir, static_root=None):
    """One zoo case of a kept scratch folder: its request says where the emitted tree is and how the model is built."""
    npz = os.path.join(case_dir, "state.npz")
    if not os.path.exists(npz):
        subprocess.run([sys.executable, "-c", TORCH_STATE, os.path.join(case_dir, "model.pt"), npz], check=True)
    with open(os.path.join(case_dir, "mlx.request.json")) as f:
        request = json.load(f)
    owner_module = request["torch"]["classFile"][:-3].replace("/", ".")
    rules = None
    if static_root:
        # the reference map from the other tree, read in an interpreter of its own (both trees hold the same package)
        ran = subprocess.run([sys.executable, "-c", RULES, static_root, owner_module, request["torch"]["class"]], capture_output=True, text=True, check=True)
        rules = [tuple(r) for r in json.loads(ran.stdout)]
    script = f"""
import importlib, json, os, sys
sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r})
import numpy as np, mlx.core as mx, mlx.nn as nn
from zoo_mlx import ConfinedImports, hide_torch_distributions
from weights_agreement import agreement
request = json.load(open({os.path.join(case_dir, "mlx.request.json")!r}))
sys.meta_path.insert(0, ConfinedImports(os.path.abspath(request["root"]), request["confine"]))
hide_torch_distributions()
sys.path.insert(0, os.path.abspath(request["root"]))
module = importlib.import_module(request["module"])
mx.random.seed(0)
model = eval(request["build"], vars(module))
rules = {rules!r} or importlib.import_module({owner_module!r}).C2M_WEIGHT_MAPS[request["torch"]["class"]]
state = {{k: mx.array(v) for k, v in np.load({npz!r}).items()}}
n, diffs = agreement(model, state, rules, mx, nn)
print(json.dumps([n, diffs]))
"""
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    if ran.returncode != 0:
        return 0, [f"crashed: {ran.stderr.strip().splitlines()[-1] if ran.stderr.strip() else ran.returncode}"]
    return json.loads(ran.stdout.strip().splitlines()[-1])


def main():
    work, only = sys.argv[1], re.compile(sys.argv[2] if len(sys.argv) > 2 else "")
    static_root = sys.argv[3] if len(sys.argv) > 3 else None
    bad = 0
    for name in sorted(os.listdir(os.path.join(work, "torch"))):
        case_dir = os.path.join(work, "torch", name)
        if not only.search(name) or not os.path.exists(os.path.join(case_dir, "mlx.request.json")):
            continue
        n, diffs = case_agreement(case_dir, static_root)
        bad += bool(diffs)
        print(f"agree {n}/{n} {name}" if not diffs else f"DISAGREE {len(diffs)}/{n} {name}: {'; '.join(diffs[:4])}", flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
