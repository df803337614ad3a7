"""Torch half of `c2m parity`: build the model, save its weights, run it on seeded inputs, record everything.

Usage: python torch_side.py REQUEST.json

REQUEST = {"model": path to the torch .py, "class": name, "args": list | object, "cases": [[input spec, ...], ...],
           "seed": int, "perturb": bool, "trace": bool, "out": folder}

Writes into `out`:
  model.pt       torch.save(model.state_dict())
  inputs.npz     case{i}_in{j}
  outputs.npz    case{i}_out{k}           (forward's result flattened; None entries are recorded in torch.json)
  trace.npz      case{i}_t{n}             (first tensor output of every submodule call, in completion order)
  torch.json     {"cases": [{"outputs": [{"shape", "dtype"} | null], "trace": [[module, call], ...]}], "params": n}
Reports failures as {"error": message} in torch.json and exit status 3 so the caller can print them.
Nothing is pickled except the state_dict itself (which is what the weights converter reads).
"""
import importlib.util
import json
import os
import sys
import traceback

import numpy as np


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up in sys.modules
    spec.loader.exec_module(module)
    return module


def decode_arg(value, module):
    """JSON → constructor argument: {"__class__": C, ...fields} builds C(**fields) from the model's module,
    {"__ref__": N} is the module-level object N itself (a block class passed to ResNet, say)."""
    if isinstance(value, dict):
        if "__ref__" in value:
            return getattr(module, value["__ref__"])
        fields = {k: decode_arg(v, module) for k, v in value.items() if k != "__class__"}
        if "__class__" in value:
            return getattr(module, value["__class__"])(**fields)
        return fields
    if isinstance(value, list):
        return [decode_arg(v, module) for v in value]
    return value


def build(module, class_name, args):
    cls = getattr(module, class_name, None)
    if cls is None:
        raise LookupError(f"class {class_name} not found in {module.__file__}")
    if isinstance(args, list):
        return cls(*decode_arg(args, module))
    return cls(**decode_arg(args or {}, module))


def make_inputs(cases, seed):
    """Seeded inputs, independent of the framework: float ~ N(0, 1), int ~ U[low, high)."""
    all_inputs = []
    for i, case in enumerate(cases):
        rng = np.random.default_rng(seed + i)
        inputs = []
        for spec in case:
            shape = tuple(spec["shape"])
            dtype = spec.get("dtype", "float32")
            if dtype.startswith("int") or dtype.startswith("uint"):
                if "high" not in spec:
                    raise ValueError(f"case {i}: integer input {spec} needs \"high\"")
                inputs.append(rng.integers(spec.get("low", 0), spec["high"], size=shape).astype(dtype))
            elif dtype == "bool":
                inputs.append(rng.random(size=shape) < 0.5)
            else:
                inputs.append(rng.standard_normal(size=shape).astype(dtype))
        all_inputs.append(inputs)
    return all_inputs


def perturb_constants(model, torch, seed):
    """Give default-initialised state a non-trivial value so that a wrong mapping shows in the numbers:
    BatchNorm running statistics (0 and 1 at construction) and any parameter whose elements are all equal
    (norm weights of ones, zero biases, zero class tokens). A mis-mapped or dropped one would otherwise pass."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            rm, rv = getattr(m, "running_mean", None), getattr(m, "running_var", None)
            if isinstance(rm, torch.Tensor) and isinstance(rv, torch.Tensor):
                rm.copy_(torch.randn(rm.shape, generator=gen) * 0.2)
                rv.copy_(torch.rand(rv.shape, generator=gen) + 0.5)
        for _, p in model.named_parameters():
            if p.is_floating_point() and p.numel() > 0 and bool((p == p.reshape(-1)[0]).all()):
                p.add_(torch.randn(p.shape, generator=gen).to(p.dtype) * 0.1)


def first_tensor(value, torch):
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for v in value:
            t = first_tensor(v, torch)
            if t is not None:
                return t
    if isinstance(value, dict):
        for v in value.values():
            t = first_tensor(v, torch)
            if t is not None:
                return t
    return None


def flatten_outputs(value, torch, out):
    if value is None or isinstance(value, torch.Tensor):
        out.append(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            flatten_outputs(v, torch, out)
    elif isinstance(value, dict):
        for v in value.values():
            flatten_outputs(v, torch, out)
    else:
        out.append(torch.as_tensor(value))
    return out


def to_numpy(t, torch):
    """A copy: models change activations in place after a hook saw them (ReLU(inplace=True), `out += identity`)."""
    t = t.detach().cpu()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.numpy().copy()


def main():
    request = json.load(open(sys.argv[1]))
    out = request["out"]
    os.makedirs(out, exist_ok=True)
    try:
        import torch

        module = load_module(request["model"], "c2m_parity_torch_model")
        torch.manual_seed(request.get("seed", 0))
        model = build(module, request["class"], request.get("args"))
        if request.get("perturb", True):
            perturb_constants(model, torch, request.get("seed", 0) + 1)
        model.eval()
        torch.save(model.state_dict(), os.path.join(out, "model.pt"))

        cases = make_inputs(request["cases"], request.get("seed", 0))
        trace_on = request.get("trace", True)
        calls = {}
        trace = []

        def hook_for(name):
            def hook(_module, _inputs, output):
                t = first_tensor(output, torch)
                if t is None or not t.is_floating_point():
                    return
                n = calls.get(name, 0)
                calls[name] = n + 1
                trace.append((name, n, to_numpy(t, torch)))
            return hook

        if trace_on:
            for name, m in model.named_modules():
                if name:
                    m.register_forward_hook(hook_for(name))

        arrays_in, arrays_out, arrays_trace, meta = {}, {}, {}, []
        for i, inputs in enumerate(cases):
            calls.clear()
            trace.clear()
            tensors = [torch.from_numpy(a) for a in inputs]
            for j, a in enumerate(inputs):
                arrays_in[f"case{i}_in{j}"] = a
            with torch.no_grad():
                result = model(*tensors)
            outputs = []
            for k, t in enumerate(flatten_outputs(result, torch, [])):
                if t is None:
                    outputs.append(None)
                    continue
                arrays_out[f"case{i}_out{k}"] = to_numpy(t, torch)
                outputs.append({"shape": list(t.shape), "dtype": str(t.dtype).replace("torch.", "")})
            names = []
            for n, (name, call, arr) in enumerate(trace):
                arrays_trace[f"case{i}_t{n}"] = arr
                names.append([name, call])
            meta.append({"outputs": outputs, "trace": names})

        np.savez(os.path.join(out, "inputs.npz"), **arrays_in)
        np.savez(os.path.join(out, "outputs.npz"), **arrays_out)
        np.savez(os.path.join(out, "trace.npz"), **arrays_trace)
        n_params = sum(p.numel() for p in model.parameters())
        json.dump({"cases": meta, "params": n_params}, open(os.path.join(out, "torch.json"), "w"))
    except Exception as e:  # reported to the user as a clear message, with the model's own frames
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != __file__]
        where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
        json.dump({"error": f"{type(e).__name__}: {e}{where}"}, open(os.path.join(out, "torch.json"), "w"))
        sys.exit(3)


if __name__ == "__main__":
    main()
