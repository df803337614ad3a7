/**
 * torch names that talk to torch's runtime (TorchScript, FX tracing, autograd switches) rather than
 * compute anything, and the torch types that appear in annotations: what each means in MLX. Data; the
 * translator (passes/walk/) reads it.
 */
import { nameTable } from "../../ir/tables.js";

/** Calls whose MLX meaning is a constant: nothing is scripted, traced or compiled, and no tape records. */
export const RUNTIME_CALLS: Record<string, { mlx: string; imports?: string[] }> = nameTable({
  // a bare module built to hold children (latent-diffusion's `down = nn.Module(); down.block = …`): MLX's Module is one too,
  // its attributes children as torch's are (passes/init-statements.ts gives it its children's weights)
  "torch.nn.Module": { mlx: "nn.Module()" },
  "torch.jit.is_scripting": { mlx: "False" },
  "torch.jit.is_tracing": { mlx: "False" },
  "torch.compiler.is_compiling": { mlx: "False" },
  "torch.compiler.is_dynamo_compiling": { mlx: "False" },
  "torch._dynamo.is_compiling": { mlx: "False" },
  "torch.fx._symbolic_trace.is_fx_tracing": { mlx: "False" },
  "torch._C._get_tracing_state": { mlx: "None" },
  // a port runs on MLX's device: torch's backends and its process groups are not there (code that probes
  // them takes its single-process, no-CUDA path)
  "torch.distributed.is_available": { mlx: "False" },
  "torch.distributed.is_initialized": { mlx: "False" },
  "torch.cuda.is_available": { mlx: "False" },
  "torch.backends.mps.is_available": { mlx: "False" },
  "torch.xpu.is_available": { mlx: "False" },
  "torch.npu.is_available": { mlx: "False" },
  "torch.accelerator.is_available": { mlx: "False" },
  "torch.mps.is_available": { mlx: "False" },
  "torch.neuron.is_available": { mlx: "False" },
  "torch.musa.is_available": { mlx: "False" },
  "torch.mlu.is_available": { mlx: "False" },
  "torch.hpu.is_available": { mlx: "False" },
  "torch.backends.mps.is_built": { mlx: "False" },
  "torch.cuda.device_count": { mlx: "0" },
  "torch.xpu.device_count": { mlx: "0" },
  "torch.npu.device_count": { mlx: "0" },
  "torch.neuron.device_count": { mlx: "0" },
  "torch.musa.device_count": { mlx: "0" },
  "torch.cuda.is_current_stream_capturing": { mlx: "False" },
  "torch.xpu.is_current_stream_capturing": { mlx: "False" },
  "torch.accelerator.current_accelerator": { mlx: "None" },
  "torch.compiler.is_exporting": { mlx: "False" },
  "torch.is_autocast_enabled": { mlx: "False" },
  // MLX's default floating dtype; deterministic-mode checks see torch's default (off)
  "torch.get_default_dtype": { mlx: "mx.float32" },
  // MLX's default device, which a tensor's .device is in a port (transformers compares the two)
  "torch.get_default_device": { mlx: "mx.default_device()" },
  "torch.get_deterministic_debug_mode": { mlx: "0" },
  // no tape records: code that asks (`if torch.is_grad_enabled() and self.gradient_checkpointing:`) takes the
  // branch that computes the same values without recording
  "torch.is_grad_enabled": { mlx: "False" },
  // MLX differentiates functions (mx.grad), never records a tape: these contexts change nothing
  "torch.no_grad": { mlx: "contextlib.nullcontext()", imports: ["import contextlib"] },
  "torch.inference_mode": { mlx: "contextlib.nullcontext()", imports: ["import contextlib"] },
  "torch.enable_grad": { mlx: "contextlib.nullcontext()", imports: ["import contextlib"] },
  "torch.set_grad_enabled": { mlx: "contextlib.nullcontext()", imports: ["import contextlib"] },
});

/**
 * Calls whose value is one of their arguments, unchanged: TorchScript's type hints on a value
 * (`torch.jit.annotate(List[Tensor], [])` is the list; `_unwrap_optional(x)` is x). The position of that argument
 * and its keyword.
 */
export const VALUE_CALLS: Record<string, { index: number; keyword: string }> = nameTable({
  "torch.jit.annotate": { index: 1, keyword: "the_value" },
  "torch.jit._unwrap_optional": { index: 0, keyword: "x" },
});

/** Autocast contexts: with `enabled=False` they change nothing (MLX computes in the arrays' dtypes). */
export const AUTOCAST_CONTEXTS: ReadonlySet<string> = new Set(["torch.autocast", "torch.amp.autocast", "torch.cuda.amp.autocast", "torch.cpu.amp.autocast"]);

/** Statement calls that only register something with torch's runtime: removed (`torch.fx.wrap("f")`). */
export const RUNTIME_STATEMENTS: ReadonlySet<string> = new Set([
  "torch.fx.wrap",
  "torch.jit.annotate",
  "torch._assert_async",
  // registering a container type with torch's pytree (MLX's tree utilities walk dicts, lists and tuples as they are)
  "torch.utils._pytree.register_pytree_node",
  "torch.utils._pytree._register_pytree_node",
  // registrations of exporters, fake (meta) kernels and autograd formulas for torch's custom ops: MLX has no
  // op registry for them to change (torchvision registers its ONNX symbolics when torchvision.ops is imported)
  "torch.onnx.register_custom_op_symbolic",
  "torch.onnx.unregister_custom_op_symbolic",
  "torch.library.register_fake",
  "torch.library.register_autograd",
  "torch.library.register_kernel",
  "torch.library.register_autocast",
  "torch.library.register_vmap",
  "torch.library.register_torch_dispatch",
  // usage telemetry (torchvision logs every model built)
  "torch._C._log_api_usage_once",
]);

/** Decorators with no meaning in MLX (autograd switches, TorchScript, FX, compilation): removed. */
export const DROPPED_DECORATORS =
  /^torch\.(no_grad|inference_mode|enable_grad|jit\.\w+|compiler\.\w+|_dynamo\.\w+|compile|fx\.wrap|autocast|(cuda\.)?amp\.\w+|autograd\.function\.once_differentiable)$/;

const TYPING_NAMES = new Set(["Final", "List", "Tuple", "Dict", "Optional", "Any", "Union"]);

/** torch names whose values are strings: a str method called on one (`torch.__version__.split("+")`) is Python's. */
export const TORCH_STRING_NAMES: ReadonlySet<string> = new Set(["torch.__version__"]);

/** Helpers a translated torch name needs (`torch.__version__` → the version the port was translated from), by the text it became. */
export function helpersFor(text: string): string[] {
  // (a helper called with a constant to give the value: `c2m_torch_init("normal_")`)
  const helper = NAME_HELPERS[text] ?? NAME_HELPERS[text.replace(/\(.*$/s, "")];
  return helper ? [helper] : [];
}

/** The text a torch name becomes (passes/tables/index.ts TORCH_NAMES) → the helper that defines it. */
const NAME_HELPERS: Record<string, string> = nameTable({
  C2M_TORCH_VERSION_VALUE: "C2MTorchVersion",
  c2m_op_registration: "c2m_op_registration",
  C2MAutogradFunction: "C2MAutogradFunction",
  c2m_torch_init: "c2m_torch_init",
  c2m_weight_norm: "c2m_weight_norm",
});

/** Caveats of a translated torch name, said where it is read (by its qualified name). */
const AUTOGRAD_FUNCTION_CAVEAT = {
  code: "C2M-W027",
  message: "torch.autograd.Function: Fn.apply runs its forward; its backward is not used (MLX differentiates the forward's operations)",
};
export const TORCH_NAME_CAVEATS: Readonly<Record<string, { code: string; message: string }>> = nameTable({
  "torch.autograd.Function": AUTOGRAD_FUNCTION_CAVEAT,
  "torch.autograd.function.Function": AUTOGRAD_FUNCTION_CAVEAT,
});

/** Imports a translated torch name needs (`torch.pi` → `math.pi`), by the text it became. */
export function importsFor(text: string): string[] {
  if (text.startsWith("math.")) return ["import math"];
  if (TYPING_NAMES.has(text)) return [`from typing import ${text}`];
  return [];
}

/**
 * The standard library's probes for an installed package, which libraries call with "torch" on import
 * (`_is_package_available("torch")`, then `is_torch_version(">=", "2.1")`): in the port, torch's code paths are
 * the translated ones, so these answer as for the torch the port was translated from (cookbook/helpers/c2m_find_spec.py)
 * and as the standard library's for any other name. By the function the call resolves to → the helper's function.
 */
export const PACKAGE_PROBES: Record<string, string> = nameTable({
  "importlib.util.find_spec": "c2m_find_spec",
  "importlib.metadata.version": "c2m_package_version",
  "importlib_metadata.version": "c2m_package_version",
});
