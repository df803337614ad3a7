"""MLX half of `c2m parity`: load the translated module, run it on torch's inputs, compare with torch's outputs.

Usage: python mlx_side.py REQUEST.json

REQUEST = {"mlx": path to the emitted MLX .py, "class": name, "args": list | object, "weights": safetensors path,
           "torch_dir": folder torch_side.py wrote, "atol": float, "rtol": float, "result": path}

Writes the result JSON to `result` (stdout belongs to the model, which may print):
  {"ok": bool,
   "cases": [{"inputs": [{"shape", "dtype"}], "outputs": [{"index", "shape", "mlxShape", "maxAbs", "maxRel", "ok", "note"?}]}],
   "divergence": {"module", "maxAbs", "case", "torchShape", "mlxShape"} | absent,
   "error": {"stage", "message"} | absent}
A diff that is not finite (NaN or inf where torch has a number, or a shape mismatch) is written as null.
"""
import importlib.util
import json
import math
import sys
import traceback

import numpy as np


def load_module(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def decode_arg(value, module):
    """Same convention as torch_side.decode_arg, resolved against the MLX module."""
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
        raise LookupError(f"class {class_name} not found in the MLX module {module.__file__}")
    if isinstance(args, list):
        return cls(*decode_arg(args, module))
    return cls(**decode_arg(args or {}, module))


def flatten_outputs(value, mx, out):
    if value is None or isinstance(value, mx.array):
        out.append(value)
    elif isinstance(value, (tuple, list)):
        for v in value:
            flatten_outputs(v, mx, out)
    elif isinstance(value, dict):
        for v in value.values():
            flatten_outputs(v, mx, out)
    else:
        out.append(mx.array(value))
    return out


def first_array(value, mx):
    if isinstance(value, mx.array):
        return value
    if isinstance(value, (tuple, list)):
        for v in value:
            a = first_array(v, mx)
            if a is not None:
                return a
    if isinstance(value, dict):
        for v in value.values():
            a = first_array(v, mx)
            if a is not None:
                return a
    return None


def to_numpy(a, mx):
    if a.dtype == mx.bfloat16:
        a = a.astype(mx.float32)
    return np.array(a)


def finite_or_none(x):
    return float(x) if math.isfinite(x) else None


def compare(ref, got, atol, rtol):
    """max abs and max rel diff of got against ref (both numpy, same shape). Matching non-finite values
    (-inf in a mask, say) count as equal; a non-finite value on one side only makes the diff infinite."""
    ref = ref.astype(np.float64)
    got = got.astype(np.float64)
    if ref.size == 0:
        return 0.0, 0.0, True
    same_special = (np.isnan(ref) & np.isnan(got)) | (np.isinf(ref) & (ref == got))
    finite = np.isfinite(ref) & np.isfinite(got)
    if not np.all(same_special | finite):
        return math.inf, math.inf, False
    diff = np.where(finite, np.abs(ref - got), 0.0)
    rel = diff / (np.abs(ref) + atol)
    ok = bool(np.all(diff <= atol + rtol * np.where(finite, np.abs(ref), 0.0)))
    return float(diff.max()), float(rel.max()), ok


def torch_name(mlx_name, modules_by_name, nn):
    """`features.layers.0` -> `features.0`: MLX's Sequential keeps its children in `layers`, torch's does not."""
    parts = mlx_name.split(".") if mlx_name else []
    kept = []
    for i, part in enumerate(parts):
        parent = modules_by_name.get(".".join(parts[:i]))
        if part == "layers" and isinstance(parent, nn.Sequential):
            continue
        kept.append(part)
    return ".".join(kept)


class CallRecorder:
    """Records the first array each submodule call returns, keyed by (torch-style name, call number).

    MLX calls `type(m).__call__`, so the hook goes on the classes; the patch is removed afterwards."""

    def __init__(self, model, mx, nn):
        self.mx = mx
        self.names = {}
        by_name = dict(model.named_modules())
        for name, m in model.named_modules():
            if name and id(m) not in self.names:
                self.names[id(m)] = torch_name(name, by_name, nn)
        self.records = {}
        self.calls = {}
        self.active = set()
        self.patched = []
        classes = {type(m) for _, m in model.named_modules()}
        resolved = {cls: cls.__call__ for cls in classes}  # before any patching: the real implementations
        for cls, real in resolved.items():
            self.patched.append((cls, cls.__dict__.get("__call__")))
            cls.__call__ = self._wrap(real)

    def _wrap(self, real):
        recorder = self

        def __call__(module, *args, **kwargs):
            key = id(module)
            if key not in recorder.names or key in recorder.active:
                return real(module, *args, **kwargs)
            recorder.active.add(key)
            try:
                out = real(module, *args, **kwargs)
            finally:
                recorder.active.discard(key)
            a = first_array(out, recorder.mx)
            if a is not None:
                name = recorder.names[key]
                n = recorder.calls.get(name, 0)
                recorder.calls[name] = n + 1
                # a new array over the same value: `out += shortcut` after this call rebinds the output array in
                # place (mx.array.__iadd__ overwrites its descriptor), as torch's hook side copies for the same reason
                recorder.records[(name, n)] = recorder.mx.array(a)
            return out

        return __call__

    def restore(self):
        for cls, own in self.patched:
            if own is None:
                delattr(cls, "__call__")
            else:
                cls.__call__ = own


def find_divergence(model, inputs, torch_meta, trace, case_index, atol, mx, nn, kwargs=None):
    """The first torch submodule call, in completion order, whose output the MLX module does not reproduce.
    `kwargs`: inputs passed by keyword (the zoo's transformers cases)."""
    recorder = CallRecorder(model, mx, nn)
    try:
        model(*inputs, **(kwargs or {}))
        mx.eval(list(recorder.records.values()))
    finally:
        recorder.restore()
    for n, (name, call) in enumerate(torch_meta["trace"]):
        got = recorder.records.get((name, call))
        if got is None:
            continue
        ref = trace[f"case{case_index}_t{n}"]
        got_np = to_numpy(got, mx)
        # Conv activations are NCHW in torch and NHWC in MLX. When C == H == W the shapes alone cannot tell,
        # so every reading that fits the shape is tried and the closest one counts.
        candidates = [r for r in (ref, np.moveaxis(ref, 1, -1) if ref.ndim >= 3 else None)
                      if r is not None and r.shape == got_np.shape]
        entry = {"module": name if call == 0 else f"{name} (call {call + 1})", "case": case_index,
                 "torchShape": list(ref.shape), "mlxShape": list(got_np.shape)}
        if not candidates:
            return {**entry, "maxAbs": None}
        max_abs = min(compare(r, got_np, 0.0, 0.0)[0] for r in candidates)
        scale = float(np.max(np.abs(ref[np.isfinite(ref)]), initial=0.0))
        if not math.isfinite(max_abs) or max_abs > atol * max(1.0, scale):
            return {**entry, "maxAbs": finite_or_none(max_abs)}
    return None


def main():
    request = json.load(open(sys.argv[1]))
    result_path = request["result"]
    stage = "import mlx"
    try:
        import mlx.core as mx
        import mlx.nn as nn

        torch_dir = request["torch_dir"]
        torch_json = json.load(open(f"{torch_dir}/torch.json"))
        inputs_npz = np.load(f"{torch_dir}/inputs.npz")
        outputs_npz = np.load(f"{torch_dir}/outputs.npz")
        atol, rtol = float(request["atol"]), float(request.get("rtol", 0.0))

        stage = "import the MLX module"
        module = load_module(request["mlx"], "c2m_parity_mlx_model")
        stage = "build the MLX model"
        model = build(module, request["class"], request.get("args"))
        stage = "load the converted weights"
        model.load_weights(request["weights"], strict=True)
        model.eval()

        stage = "run the MLX model"
        cases, all_ok, first_failing = [], True, None
        case_inputs = []
        for i, meta in enumerate(torch_json["cases"]):
            arrays = []
            j = 0
            while f"case{i}_in{j}" in inputs_npz.files:
                arrays.append(inputs_npz[f"case{i}_in{j}"])
                j += 1
            # int64 ids become int32, MLX's default integer type
            inputs = [mx.array(a.astype(np.int32) if a.dtype == np.int64 else a) for a in arrays]
            case_inputs.append(inputs)
            got = flatten_outputs(model(*inputs), mx, [])
            mx.eval([g for g in got if g is not None])
            results = []
            expected = meta["outputs"]
            for k in range(max(len(expected), len(got))):
                exp = expected[k] if k < len(expected) else None
                g = got[k] if k < len(got) else None
                entry = {"index": k, "shape": exp["shape"] if exp else None,
                         "mlxShape": list(g.shape) if g is not None else None}
                if k >= len(expected) or k >= len(got):
                    entry.update(maxAbs=None, maxRel=None, ok=False,
                                 note=f"torch returned {len(expected)} outputs, MLX {len(got)}")
                elif exp is None or g is None:
                    both_none = exp is None and g is None
                    entry.update(maxAbs=0.0 if both_none else None, maxRel=0.0 if both_none else None, ok=both_none)
                    if not both_none:
                        entry["note"] = "None on one side only"
                else:
                    ref = outputs_npz[f"case{i}_out{k}"]
                    g_np = to_numpy(g, mx)
                    if list(ref.shape) != list(g_np.shape):
                        note = "shape mismatch"
                        if ref.ndim >= 3 and np.moveaxis(ref, 1, -1).shape == g_np.shape:
                            note += ": MLX returned channels-last where torch returns channels-first" \
                                    " (a transpose missing at the model boundary?)"
                        entry.update(maxAbs=None, maxRel=None, ok=False, note=note)
                    else:
                        max_abs, max_rel, ok = compare(ref, g_np, atol, rtol)
                        entry.update(maxAbs=finite_or_none(max_abs), maxRel=finite_or_none(max_rel), ok=ok)
                results.append(entry)
            case_ok = all(r["ok"] for r in results)
            if not case_ok and first_failing is None:
                first_failing = i
            all_ok = all_ok and case_ok
            cases.append({"inputs": [{"shape": list(a.shape), "dtype": str(a.dtype)} for a in arrays],
                          "outputs": results})

        out = {"ok": all_ok, "cases": cases}
        if first_failing is not None and torch_json["cases"][first_failing]["trace"]:
            stage = "locate the divergence"
            trace = np.load(f"{torch_dir}/trace.npz")
            div = find_divergence(model, case_inputs[first_failing], torch_json["cases"][first_failing],
                                  trace, first_failing, atol, mx, nn)
            if div is not None:
                out["divergence"] = div
        json.dump(out, open(result_path, "w"))
    except Exception as e:
        frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename != __file__]
        where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
        json.dump({"ok": False, "cases": [], "error": {"stage": stage, "message": f"{type(e).__name__}: {e}{where}"}},
                  open(result_path, "w"))
        sys.exit(3)


if __name__ == "__main__":
    main()
