"""Torch half of the zoo: build each case's model with its package's own constructor, record weights and outputs.

Usage: python zoo_torch.py REQUEST.json
REQUEST = {"timeout": seconds per case, "cases": [{"name", "module", "build", "inputs", "seed", "out"}]}

One process runs every case of a run (importing torch and a model package costs seconds; the reference side is
not what the zoo measures). Per case, into `out`:
  model.pt     torch.save(model.state_dict())   (read by `c2m weights`, whose unpickler executes nothing)
  inputs.npz   in{j}, outputs.npz out{k}        (the tensors found in forward's result, in order)
  trace.npz    case0_t{n}: the first floating tensor output of every submodule call, in completion order
               (c2m parity's trace, which zoo_mlx.py's divergence search reads)
  torch.json   {"class", "classFile" (relative to the package's site folder), "params", "paramNames",
               "outputs": [shapes], "trace": [[module, call], ...]}
               or {"error": text} when the reference itself cannot be built or run (a zoo bug, not c2m's).
`build` is a Python expression evaluated in the namespace of `module` (the same expression builds the MLX
model from the emitted module). Inputs with a "name" are passed by keyword.
"""
import ast
import importlib
import importlib.util
import inspect
import json
import os
import signal
import sys
import traceback

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "parity"))
from torch_side import first_tensor, make_inputs, perturb_constants, to_numpy  # noqa: E402  (c2m parity's reference side, reused)


def register_torchvision_without_c_ops():
    """torchvision 0.28.0's wheel for torch 2.13.0 is the CUDA build; `import torchvision` runs its __init__,
    which loads the compiled ops (`torchvision._C`, `torchvision.extension`) and fails with CPU torch. The model
    files are pure Python. Registering the package as a bare module — found by `find_spec`, `__path__` set,
    `__init__` never run — lets `import torchvision.models.resnet` load the submodules it needs as usual."""
    if "torchvision" in sys.modules:
        return
    spec = importlib.util.find_spec("torchvision")
    if spec is None:
        return
    module = importlib.util.module_from_spec(spec)
    module.__path__ = list(spec.submodule_search_locations)
    sys.modules["torchvision"] = module


class CaseTimeout(Exception):
    pass


def on_alarm(signum, frame):
    raise CaseTimeout("timed out")


def tensors_in(value, torch, out):
    """The tensors of a forward result, in order: tuples, lists, dicts (ModelOutput is one) and dataclasses are
    walked; anything else (a KV cache object, None, a Python number) is skipped."""
    if isinstance(value, torch.Tensor):
        out.append(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            tensors_in(v, torch, out)
    elif isinstance(value, dict):
        for v in value.values():
            tensors_in(v, torch, out)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            tensors_in(getattr(value, name), torch, out)
    return out


def model_owner(case, cls, site):
    """The name whose weight map converts the model, and the file (relative to `site`) that holds it: the model's class, or,
    for a torch container a function of the package builds and returns (mlp-mixer's `MLPMixer(...)` is an nn.Sequential),
    that function, as a user converting such a model names it (`c2m weights --class MLPMixer`)."""
    cls_file = os.path.relpath(inspect.getfile(cls), site)
    if not cls_file.startswith(".."):
        return cls.__name__, cls_file
    call = ast.parse(case["build"], mode="eval").body
    module = sys.modules[case["module"]]
    if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and inspect.isfunction(getattr(module, call.func.id, None)):
        return call.func.id, os.path.relpath(inspect.getfile(getattr(module, call.func.id)), site)
    return cls.__name__, cls_file


def run_case(case, torch):
    out = case["out"]
    os.makedirs(out, exist_ok=True)
    module = importlib.import_module(case["module"])
    seed = case.get("seed", 0)
    torch.manual_seed(seed)
    model = eval(case["build"], vars(module))  # noqa: S307 - the case tables are ours
    perturb_constants(model, torch, seed + 1)
    model.eval()
    torch.save(model.state_dict(), os.path.join(out, "model.pt"))
    arrays = make_inputs([case["inputs"]], seed)[0]
    np.savez(os.path.join(out, "inputs.npz"), **{f"in{j}": a for j, a in enumerate(arrays)})
    args, kwargs = [], {}
    for spec, a in zip(case["inputs"], arrays):
        t = torch.from_numpy(a)
        if "name" in spec:
            kwargs[spec["name"]] = t
        else:
            args.append(t)
    trace, calls = [], {}

    def hook_for(name):
        def hook(_module, _inputs, output):
            t = first_tensor(output, torch)
            if t is not None and t.is_floating_point():
                calls[name] = calls.get(name, 0) + 1
                trace.append((name, calls[name] - 1, to_numpy(t, torch)))

        return hook

    handles = [m.register_forward_hook(hook_for(name)) for name, m in model.named_modules() if name]
    try:
        with torch.no_grad():
            result = model(*args, **kwargs)
    finally:
        for h in handles:
            h.remove()
    np.savez(os.path.join(out, "trace.npz"), **{f"case0_t{n}": a for n, (_, _, a) in enumerate(trace)})
    outputs = [t.detach().float().numpy().copy() if t.is_floating_point() else t.numpy().copy() for t in tensors_in(result, torch, [])]
    np.savez(os.path.join(out, "outputs.npz"), **{f"out{k}": a for k, a in enumerate(outputs)})
    cls = type(model)
    site = os.path.dirname(os.path.abspath(list(sys.modules[case["module"].split(".")[0]].__path__)[0]))
    owner, owner_file = model_owner(case, cls, site)
    return {
        "class": owner,
        "classFile": owner_file,
        "params": int(sum(p.numel() for p in model.parameters())),
        "paramNames": [name for name, _ in model.named_parameters()],
        "trace": [[name, call] for name, call, _ in trace],
        "outputs": [list(a.shape) for a in outputs],
    }


def main():
    request = json.load(open(sys.argv[1]))
    import torch

    torch.set_num_threads(1)  # the zoo shares a small machine; the reference side is not timed
    register_torchvision_without_c_ops()
    signal.signal(signal.SIGALRM, on_alarm)
    for case in request["cases"]:
        signal.alarm(int(request.get("timeout", 120)))
        try:
            record = run_case(case, torch)
        except BaseException as err:  # noqa: BLE001 - one case's failure is its own
            if isinstance(err, KeyboardInterrupt):
                raise
            tb = traceback.format_exc(limit=-3)
            record = {"error": f"{type(err).__name__}: {err}", "traceback": tb}
        finally:
            signal.alarm(0)
        os.makedirs(case["out"], exist_ok=True)
        json.dump(record, open(os.path.join(case["out"], "torch.json"), "w"), indent=1)
        print(json.dumps({"case": case["name"], "ok": "error" not in record}), flush=True)


if __name__ == "__main__":
    main()
