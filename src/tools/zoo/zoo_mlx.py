"""MLX half of the zoo: import one case's emitted package with torch blocked, build, load, run, compare.

Usage: python zoo_mlx.py REQUEST.json   (a fresh interpreter per case: nothing of another case is loaded)
REQUEST = {"root": the emitted tree (holds the package folder), "confine": top-level package names that must
           come from root, "module", "build", "inputs",
           "weights": .safetensors | null, "torch_dir", "torch": torch.json's record, "atol", "result"}
Writes to `result` (stdout belongs to the model):
  {"stage": the first stage that failed | null, "error": its message, "where": "file:line" of the innermost
   frame in the emitted tree, "outputs": [{"shape", "maxAbs"}], "params": n}
Stages in order: import, construct, weights, run, outputs, params. Whether the emitted files parse and import
no torch is zoo_check.py's question, asked once per compile.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import json
import os
import sys
import traceback


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


def where_in(root, tb):
    """file:line of the innermost traceback frame inside the emitted tree."""
    found = None
    for frame in traceback.extract_tb(tb):
        path = os.path.abspath(frame.filename)
        if path.startswith(root + os.sep):
            found = f"{os.path.relpath(path, root)}:{frame.lineno}"
    return found


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
            if tuple(g.shape) == tuple(w.shape):
                diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
                m = float(diff.max()) if diff.size else 0.0
                entry["maxAbs"] = m if np.isfinite(m) else None
            result["outputs"].append(entry)
            if entry["maxAbs"] is None or entry["maxAbs"] > request["atol"]:
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
        result["where"] = where_in(root, err.__traceback__)
        return
    result["stage"] = None


def main():
    request = json.load(open(sys.argv[1]))
    result = {"stage": None}
    run(request, result)
    sys.stdout.flush()
    json.dump(result, open(request["result"], "w"), indent=1)


if __name__ == "__main__":
    main()
