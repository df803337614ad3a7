"""MLX half of the zoo: import one case's emitted package with torch blocked, build, load, run, compare.

Usage: python zoo_mlx.py REQUEST.json   (a fresh interpreter per case: nothing of another case is loaded)
REQUEST = {"root": the emitted tree (holds the package folder), "confine": top-level package names that must
           come from root, "module", "build", "inputs",
           "weights": .safetensors | null, "torch_dir", "torch": torch.json's record, "atol", "rtol", "result"}
Writes to `result` (stdout belongs to the model):
  {"stage": the first stage that failed | null, "error": its message, "where": "file:line" of the innermost
   frame in the emitted tree, "frames": every frame of the failure inside the emitted tree, outermost first
   ({"file", "line", "endLine"}), "outputs": [{"shape", "maxAbs"}], "params": n,
   "owners": for a weights, outputs or params failure, the emitted classes that hold what failed
   ({"path", "class", "file", "lines": [first, last], "attr", "why"}), "divergence": c2m parity's first diverging
   submodule for an outputs failure}
Stages in order: import, construct, weights, run, outputs, params. Whether the emitted files parse and import
no torch is zoo_check.py's question, asked once per compile. The frames and owners are what ./attribute.ts
needs to tie a failure to the diagnostic at its construct.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import json
import os
import sys
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "parity"))
from mlx_side import find_divergence, torch_name  # noqa: E402  (c2m parity's divergence search, reused)


def is_torch(top):
    """torch and the packages that exist only beside it (torchvision, torchaudio, functorch, torchgen...)."""
    return top.startswith("torch") or top in ("functorch", "triton")


class ConfinedImports(importlib.abc.MetaPathFinder):
    """The machine of a user of the port: torch is not installed, and the confined packages (the one under test)
    exist only in the emitted tree, never in site-packages.

    torch is absent the way an uninstalled package is, not blocked by an error: `importlib.util.find_spec("torch")`
    is None, `import torch` raises ModuleNotFoundError, and `importlib.metadata` finds no distribution (libraries such
    as transformers and diffusers probe for torch this way on import and carry on without it). An output that still
    needs torch fails here, at the import that needs it."""

    def __init__(self, root, confine):
        self.root = root
        self.confine = set(confine)

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in self.confine:
            if "." in name:
                return None  # a submodule: its parent's __path__ already points into the emitted tree
            spec = importlib.machinery.PathFinder.find_spec(name, [self.root])
            if spec is None:
                raise ModuleNotFoundError(f"zoo: {name} is not in the emitted tree", name=name)
            return spec
        if is_torch(top) and not os.path.isdir(os.path.join(self.root, top)):
            # ends the search (site-packages still holds torch); importlib.util.find_spec reads it as None
            raise _Absent(name)
        return None

    def find_distributions(self, context=importlib.metadata.DistributionFinder.Context()):
        return []


class _Absent(ModuleNotFoundError):
    """What `import torch` raises on a machine without torch."""

    def __init__(self, name):
        super().__init__(f"No module named '{name}'", name=name)


def hide_torch_distributions():
    """`importlib.util.find_spec` and `importlib.metadata` as on a machine without torch."""
    import importlib.metadata as md
    import importlib.util as iu

    real_find_spec = iu.find_spec

    def find_spec(name, package=None):
        try:
            return real_find_spec(name, package)
        except _Absent:
            return None

    iu.find_spec = find_spec
    real_distribution = md.distribution

    def distribution(name):
        if is_torch(name.replace("-", "_").lower().split(".")[0]):
            raise md.PackageNotFoundError(name)
        return real_distribution(name)

    md.distribution = distribution
    real_distributions = md.distributions

    def distributions(**kwargs):
        return (d for d in real_distributions(**kwargs) if not is_torch((d.metadata["Name"] or "").replace("-", "_").lower()))

    md.distributions = distributions
    real_version = md.version
    md.version = lambda name: distribution(name).version if is_torch(name.replace("-", "_").lower()) else real_version(name)
    real_packages = md.packages_distributions
    md.packages_distributions = lambda: {k: v for k, v in real_packages().items() if not is_torch(k)}


def frames_in(root, tb):
    """The traceback's frames inside the emitted tree, outermost first: file (relative to root), line, last line."""
    out = []
    for frame in traceback.extract_tb(tb):
        path = os.path.abspath(frame.filename)
        if path.startswith(root + os.sep) and frame.lineno:
            out.append({"file": os.path.relpath(path, root), "line": frame.lineno, "endLine": frame.end_lineno or frame.lineno})
    return out


def emitted_class(cls, root):
    """file (relative to root) and [first, last] line of a class defined in the emitted tree, or None."""
    import inspect

    try:
        path = os.path.abspath(inspect.getsourcefile(cls) or "")
        if not path.startswith(root + os.sep):
            return None
        lines, first = inspect.getsourcelines(cls)
    except (TypeError, OSError):
        return None
    return {"file": os.path.relpath(path, root), "lines": [first, first + len(lines) - 1]}


def owner_of(model, key, root, why, is_param=True):
    """The emitted class that holds `key` (a parameter's dotted MLX path, or a module's when not is_param): the
    longest prefix that is a module of the model, and the nearest class on the way up that the emitted tree
    defines (a library layer such as nn.BatchNorm is held by the class that built it); `attr` is the child
    below that class."""
    modules = dict(model.named_modules())
    parts = key.split(".")
    end = len(parts) - 1 if is_param else len(parts)
    while end > 0 and ".".join(parts[:end]) not in modules:
        end -= 1
    for k in range(end, -1, -1):
        path = ".".join(parts[:k])
        m = modules.get(path) if path else model
        at = emitted_class(type(m), root) if m is not None else None
        if at:
            return {"path": path, "class": type(m).__name__, "attr": parts[k] if k < len(parts) else None, "why": why, **at, "above": emitted_above(modules, model, parts, k, root)}
    return None


def emitted_above(modules, model, parts, k, root):
    """The emitted classes on the way from the owner at parts[:k] up to the model, nearest first (class and file):
    a class that another file's model holds without its rules (C2M-E032) may be one of them."""
    out = []
    for j in range(k - 1, -1, -1):
        path = ".".join(parts[:j])
        m = modules.get(path) if path else model
        at = emitted_class(type(m), root) if m is not None else None
        if at and not any(a["class"] == type(m).__name__ and a["file"] == at["file"] for a in out):
            out.append({"class": type(m).__name__, "file": at["file"]})
    return out


def owners_of(model, keys, root, is_param=True, limit=3):
    """Distinct owners (by class) of the first keys, each with the key that led to it."""
    out, seen = [], set()
    for key, why in keys:
        o = owner_of(model, key, root, why, is_param)
        if o and (o["file"], o["class"], o["attr"]) not in seen:
            seen.add((o["file"], o["class"], o["attr"]))
            out.append(o)
            if len(out) >= limit:
                break
    return out


def weight_mismatches(model, weights, mx, tree_flatten):
    """What strict loading rejects: keys not in the model, parameters the file lacks, shapes that differ."""
    have = dict(tree_flatten(model.parameters()))
    given = dict(mx.load(weights)) if weights else {}
    keys = [(k, f"{k} not in the model") for k in sorted(given.keys() - have.keys())]
    keys += [(k, f"{k} missing from the converted weights") for k in sorted(have.keys() - given.keys())]
    keys += [(k, f"{k}: shape {tuple(given[k].shape)}, the model's {tuple(have[k].shape)}") for k in sorted(given.keys() & have.keys()) if tuple(given[k].shape) != tuple(have[k].shape)]
    return keys


def torch_style(model, mlx_key, nn):
    """A parameter's MLX path as torch names it (`a.layers.0.w` is `a.0.w` when `a` is a Sequential)."""
    module, _, leaf = mlx_key.rpartition(".")
    name = torch_name(module, dict(model.named_modules()), nn) if module else ""
    return f"{name}.{leaf}" if name else leaf


def param_mismatches(model, torch_params, tree_flatten, nn):
    """Trainable parameters on one side only (a buffer made trainable, a tied weight copied, one dropped)."""
    mine = {torch_style(model, k, nn): k for k, _ in tree_flatten(model.trainable_parameters())}
    theirs = set(torch_params)
    keys = [(mine[k], f"{k} trainable here, not a parameter in torch") for k in sorted(mine.keys() - theirs)]
    # a torch parameter the port lacks has no MLX path: its torch name is the best guess at one
    keys += [(k, f"{k} a parameter in torch, not trainable here") for k in sorted(theirs - mine.keys())]
    return keys


def diverging_module(model, name, nn):
    """The MLX path of the module c2m parity's trace names (torch style)."""
    by_name = dict(model.named_modules())
    for path in by_name:
        if path and torch_name(path, by_name, nn) == name:
            return path
    return None


def arrays_in(value, mx, out):
    """Same walk as zoo_torch.tensors_in, over MLX values."""
    if isinstance(value, mx.array):
        out.append(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            arrays_in(v, mx, out)
    elif isinstance(value, dict):
        for v in value.values():
            arrays_in(v, mx, out)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            arrays_in(getattr(value, name), mx, out)
    return out


class StageError(Exception):
    pass


def run(request, result):
    import numpy as np

    root = os.path.abspath(request["root"])
    stage = "import"
    model = args = kwargs = None
    try:
        sys.meta_path.insert(0, ConfinedImports(root, request["confine"]))
        hide_torch_distributions()
        sys.path.insert(0, root)
        import mlx.core as mx
        from mlx.utils import tree_flatten

        module = importlib.import_module(request["module"])
        stage = "construct"
        mx.random.seed(0)
        model = eval(request["build"], vars(module))  # noqa: S307 - the case tables are ours
        stage = "weights"
        if not request.get("weights"):
            raise StageError(request.get("weightsError") or "no converted weights")
        model.load_weights(request["weights"], strict=True)
        model.eval()
        stage = "run"
        inputs = np.load(os.path.join(request["torch_dir"], "inputs.npz"))
        args, kwargs = [], {}
        for j, spec in enumerate(request["inputs"]):
            a = inputs[f"in{j}"]
            value = mx.array(a.astype(np.int32) if a.dtype == np.int64 else a)
            if "name" in spec:
                kwargs[spec["name"]] = value
            else:
                args.append(value)
        got = arrays_in(model(*args, **kwargs), mx, [])
        mx.eval(got)
        stage = "outputs"
        ref = np.load(os.path.join(request["torch_dir"], "outputs.npz"))
        want = [ref[f"out{k}"] for k in range(len(ref.files))]
        result["outputs"] = []
        if len(got) != len(want):
            raise StageError(f"{len(got)} outputs, torch gives {len(want)}")
        worst = None
        for k, (g, w) in enumerate(zip(got, want)):
            g = np.array(g.astype(mx.float32) if mx.issubdtype(g.dtype, mx.floating) else g)
            entry = {"shape": list(g.shape), "maxAbs": None}
            within = False
            if tuple(g.shape) == tuple(w.shape):
                diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
                m = float(diff.max()) if diff.size else 0.0
                entry["maxAbs"] = m if np.isfinite(m) else None
                # |a - b| <= atol + rtol * max|b|: rtol is relative to the output's scale, not each element's, since
                # float32 rounding grows with the activations the output is computed from (inception_v3's logits
                # ~1e10 differ by 3e4, 3e-6 of the largest, 5e-5 of the smallest)
                scale = float(np.abs(w).max()) if w.size else 0.0
                bound = request["atol"] + request.get("rtol", 0.0) * scale
                within = entry["maxAbs"] is not None and entry["maxAbs"] <= bound
            result["outputs"].append(entry)
            if not within:
                shape = f"shape {tuple(g.shape)} vs torch {tuple(w.shape)}" if tuple(g.shape) != tuple(w.shape) else f"max abs diff {entry['maxAbs']:.3g}" if entry["maxAbs"] is not None else "not finite"
                worst = worst or f"output {k}: {shape}"
        if worst:
            raise StageError(worst)
        stage = "params"
        n = int(sum(v.size for _, v in tree_flatten(model.trainable_parameters())))
        result["params"] = n
        if n != request["torch"]["params"]:
            raise StageError(f"{n} trainable parameters, torch has {request['torch']['params']}")
        stage = None
    except BaseException as err:  # noqa: BLE001 - reported as the case's first error
        if isinstance(err, KeyboardInterrupt):
            raise
        result["stage"] = stage
        result["error"] = str(err) if isinstance(err, StageError) else f"{type(err).__name__}: {err}"
        result["frames"] = frames_in(root, err.__traceback__)
        result["where"] = f"{result['frames'][-1]['file']}:{result['frames'][-1]['line']}" if result["frames"] else None
        if model is not None and stage in ("weights", "outputs", "params"):
            locate(request, result, stage, model, args or [], kwargs or {}, root)
        return
    result["stage"] = None


def locate(request, result, stage, model, args, kwargs, root):
    """Which emitted classes hold what failed (./attribute.ts ties them to diagnostics). Best effort: a failure
    here is recorded and leaves the case's own error as it was."""
    try:
        import mlx.core as mx
        import mlx.nn as nn
        from mlx.utils import tree_flatten

        if stage == "weights":
            result["owners"] = owners_of(model, weight_mismatches(model, request.get("weights"), mx, tree_flatten), root)
        elif stage == "params":
            result["owners"] = owners_of(model, param_mismatches(model, request["torch"].get("paramNames", []), tree_flatten, nn), root)
        elif stage == "outputs" and request["torch"].get("trace"):
            import numpy as np

            trace = np.load(os.path.join(request["torch_dir"], "trace.npz"))
            meta = {"trace": request["torch"]["trace"]}
            div = find_divergence(model, args, meta, trace, 0, request["atol"], mx, nn, kwargs)
            result["divergence"] = div
            # no submodule diverges: the model's own forward does
            path = diverging_module(model, div["module"].split(" (call")[0], nn) if div else ""
            result["owners"] = owners_of(model, [(path or "", f"{div['module']} diverges first" if div else "no submodule diverges: the top module's own code")], root, is_param=False)
    except Exception as err:  # noqa: BLE001 - the location is extra; the case's failure stands
        result["locateError"] = f"{type(err).__name__}: {err}"


def main():
    request = json.load(open(sys.argv[1]))
    # a crash (SIGSEGV in MLX) leaves its Python frames here, for ./zoo.ts to read as the failure's frames
    import faulthandler

    faulthandler.enable(open(request["result"] + ".fault", "w"))
    result = {"stage": None}
    run(request, result)
    sys.stdout.flush()
    json.dump(result, open(request["result"], "w"), indent=1)


if __name__ == "__main__":
    main()
