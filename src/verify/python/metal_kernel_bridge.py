"""Runs a c2m-emitted MLX module on Linux with mx.fast.metal_kernel executed by the kernel proof
harness's Metal emulator (src/verify/python-bridge.ts drives this script).

With the argument `cuda`, the module sees MLX's CUDA backend instead, and its mx.fast.cuda_kernel
calls run on the CUDA emulator (message kind "cuda-call", with "shared_memory").

Protocol, one JSON object per line. The real stdout carries it (the module's own prints go to stderr):
  -> {"kind": "call", "name", "input_names", "output_names", "source", "header", "atomic_outputs",
      "ensure_row_contiguous", "inputs": [array], "grid", "threadgroup", "template": [[name, value]],
      "output_shapes", "output_dtypes", "init_value"}
  <- {"outputs": [array]} or {"error": message}
  -> {"kind": "result", "returns": [array | number | null]} or {"kind": "error", "message": traceback}
An array is {"dtype": "float32", "shape": [...], "b64": raw little-endian bytes}; dtype-valued template
arguments travel as {"mxdtype": "float16"}. The job (module path, function, args, kwargs) is the first
line on stdin; args and kwargs are JSON values, arrays as above, {"mxdtype": ...} for mx dtypes.
"""
import base64
import importlib.util
import json
import sys
import traceback

import mlx.core as mx
import numpy as np

PROTOCOL_OUT = sys.stdout
sys.stdout = sys.stderr

NP_OF = {
    "float32": np.float32, "float64": np.float64, "int8": np.int8, "int16": np.int16, "int32": np.int32,
    "int64": np.int64, "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
}


def dtype_name(d):
    return str(d).replace("mlx.core.", "")


def encode(a):
    if not isinstance(a, mx.array):
        a = mx.array(a)
    dt = dtype_name(a.dtype)
    if dt in ("float16", "bfloat16"):
        raw = np.array(a.view(mx.uint16))
    elif dt == "bool":
        raw = np.array(a.astype(mx.uint8))
    else:
        raw = np.array(a)
    return {"dtype": dt, "shape": list(a.shape), "b64": base64.b64encode(np.ascontiguousarray(raw).tobytes()).decode()}


def decode(v):
    if isinstance(v, dict) and "mxdtype" in v:
        return getattr(mx, v["mxdtype"])
    if isinstance(v, dict) and "b64" in v:
        raw = base64.b64decode(v["b64"])
        shape = tuple(v["shape"])
        dt = v["dtype"]
        if dt in ("float16", "bfloat16"):
            return mx.array(np.frombuffer(raw, dtype=np.uint16).reshape(shape)).view(getattr(mx, dt))
        if dt == "bool":
            return mx.array(np.frombuffer(raw, dtype=np.uint8).reshape(shape)).astype(mx.bool_)
        return mx.array(np.frombuffer(raw, dtype=NP_OF[dt]).reshape(shape))
    if isinstance(v, list):
        return [decode(x) for x in v]
    return v


def send(obj):
    PROTOCOL_OUT.write(json.dumps(obj) + "\n")
    PROTOCOL_OUT.flush()


class EmulatedKernel:
    """What mx.fast.metal_kernel / mx.fast.cuda_kernel return; calling it runs the kernel on the emulator
    of its backend (the message kind tells the driver which)."""

    KIND = "call"

    def __init__(self, name, input_names, output_names, source, header="", ensure_row_contiguous=True, **backend_options):
        self.spec = {
            "name": name, "input_names": list(input_names), "output_names": list(output_names), "source": source,
            "header": header, "ensure_row_contiguous": ensure_row_contiguous, **self.options(**backend_options),
        }

    @staticmethod
    def options(atomic_outputs=False, **_):
        return {"atomic_outputs": atomic_outputs}

    def __call__(self, *, inputs, grid, threadgroup, output_shapes, output_dtypes, template=None, init_value=None, verbose=False, stream=None):
        template = [[n, {"mxdtype": dtype_name(v)} if isinstance(v, mx.Dtype) else v] for n, v in (template or [])]
        send({
            "kind": self.KIND, **self.spec,
            "inputs": [encode(x) for x in inputs],
            "grid": [int(g) for g in grid], "threadgroup": [int(t) for t in threadgroup],
            "template": template,
            "output_shapes": [[int(d) for d in s] for s in output_shapes],
            "output_dtypes": [dtype_name(d) for d in output_dtypes],
            "init_value": init_value,
        })
        reply = json.loads(sys.stdin.readline())
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return [decode(o) for o in reply["outputs"]]


class EmulatedCudaKernel(EmulatedKernel):
    """mx.fast.cuda_kernel: the MLX-wrapped CUDA body runs on the CUDA emulator."""

    KIND = "cuda-call"

    @staticmethod
    def options(shared_memory=0, **_):
        return {"shared_memory": shared_memory}


mx.fast.metal_kernel = EmulatedKernel
mx.fast.cuda_kernel = EmulatedCudaKernel
if len(sys.argv) > 1 and sys.argv[1] == "cuda":
    # the module then takes its CUDA path, as on MLX's CUDA backend
    mx.metal.is_available = lambda: False
    mx.cuda.is_available = lambda: True


def main():
    job = json.loads(sys.stdin.readline())
    try:
        spec = importlib.util.spec_from_file_location("c2m_emitted_module", job["module"])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        args = [decode(a) for a in job.get("args", [])]
        kwargs = {k: decode(v) for k, v in job.get("kwargs", {}).items()}
        ret = getattr(module, job["function"])(*args, **kwargs)
        rets = ret if isinstance(ret, (tuple, list)) else (ret,)
        send({"kind": "result", "returns": [encode(r) if isinstance(r, mx.array) else r for r in rets]})
    except Exception:
        send({"kind": "error", "message": traceback.format_exc()})


main()
