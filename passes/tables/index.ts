/** Lookups over the mapping tables (the tables themselves are plain data in layers.ts and ops.ts). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LayerMapping, OpMapping } from "../../ir/tables.js";
import { packageRoot } from "../../ir/package-root.js";
import { LAYERS } from "./layers.js";
import { OPS } from "./ops.js";
import { EINOPS_LAYER_ROWS, EINOPS_OP_ROWS } from "./einops.js";
import { nameTable } from "../../ir/tables.js";

// torch's rows (checked against torch by test/ops.test.ts and test/layers.test.ts), then other libraries' (einops: test/einops.test.ts)
export const LAYER_BY_NAME: Map<string, LayerMapping> = new Map([...LAYERS, ...EINOPS_LAYER_ROWS].map((l) => [l.torch, l]));

export const OP_BY_NAME: Map<string, OpMapping> = new Map([...OPS, ...EINOPS_OP_ROWS].flatMap((o) => o.torch.map((n) => [n, o] as const)));

/** Torch containers handled by the translator itself rather than by a table row. */
export const CONTAINERS = new Set(["torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"]);

/** Module-level torch names that are values, not calls (dtypes, the tensor type). */
export const TORCH_NAMES: Record<string, string> = nameTable({
  "torch.Tensor": "mx.array",
  "torch.float32": "mx.float32",
  "torch.float": "mx.float32",
  "torch.float16": "mx.float16",
  "torch.half": "mx.float16",
  "torch.bfloat16": "mx.bfloat16",
  "torch.float64": "mx.float64",
  "torch.double": "mx.float64",
  "torch.int64": "mx.int64",
  "torch.long": "mx.int64",
  "torch.int32": "mx.int32",
  "torch.int": "mx.int32",
  "torch.int16": "mx.int16",
  "torch.int8": "mx.int8",
  "torch.uint8": "mx.uint8",
  "torch.bool": "mx.bool_",
  "torch.nn.Module": "nn.Module",
  // `import torch.nn.functional as F` used as a value (timm annotates `input_fmt: F`): MLX's functions live in nn
  "torch.nn.functional": "nn",
  // the torch the port was translated from, comparing as a version (cookbook/helpers/C2MTorchVersion.py)
  "torch.__version__": "C2M_TORCH_VERSION_VALUE",
  // an operator registered with torch is, in MLX (no operator registry), the Python function itself
  // a custom autograd Function: its forward runs, MLX differentiates it (cookbook/helpers/C2MAutogradFunction.py)
  "torch.autograd.Function": "C2MAutogradFunction",
  "torch.autograd.function.Function": "C2MAutogradFunction",
  "torch.library.custom_op": "c2m_op_registration",
  "torch.library.register_fake": "c2m_op_registration",
  "torch.pi": "math.pi",
  "torch.inf": "math.inf",
  "torch.e": "math.e",
  "torch.nan": "math.nan",
  // the legacy typed tensor classes are annotations (`labels: torch.LongTensor`): all one mx.array
  "torch.FloatTensor": "mx.array",
  "torch.LongTensor": "mx.array",
  "torch.IntTensor": "mx.array",
  "torch.BoolTensor": "mx.array",
  "torch.HalfTensor": "mx.array",
  "torch.BFloat16Tensor": "mx.array",
  "torch.DoubleTensor": "mx.array",
  "torch.ByteTensor": "mx.array",
  // a Parameter as a type (`isinstance(p, nn.Parameter)`, annotations); nn.Parameter(x) the call is x
  "torch.nn.Parameter": "mx.array",
  "torch.nn.parameter.Parameter": "mx.array",
  "torch.Size": "tuple",
  "torch.dtype": "mx.Dtype",
  "torch.device": "mx.Device",
  "torch.uint16": "mx.uint16",
  "torch.uint32": "mx.uint32",
  "torch.uint64": "mx.uint64",
  "torch.complex64": "mx.complex64",
  "torch.cfloat": "mx.complex64",
  // TorchScript's constant marker (`fused_attn: torch.jit.Final[bool]`) and annotation names are typing's
  // a port has no CUDA or ROCm build behind it
  "torch.version.hip": "None",
  "torch.version.cuda": "None",
  "torch.jit.Final": "Final",
  "torch.jit.annotations.List": "List",
  "torch.jit.annotations.Tuple": "Tuple",
  "torch.jit.annotations.Dict": "Dict",
  "torch.jit.annotations.Optional": "Optional",
  "torch.jit.annotations.Any": "Any",
  "torch.jit.annotations.Union": "Union",
});

/**
 * TORCH_NAMES whose MLX form, called, takes torch's arguments: `torch.Size(dim)` (diffusers' RMSNorm keeps
 * `self.dim = torch.Size(dim)`) is `tuple(dim)`, as torch.Size is a tuple.
 */
export const CALLED_AS_IN_TORCH: ReadonlySet<string> = new Set(["torch.Size"]);

const LOAD_HOOK_NOTE = {
  code: "C2M-W042",
  message: "a torch load_state_dict hook is dropped: the port loads weights converted from the torch model's state_dict(), which the hook does not change",
};

export interface ModuleMethodRow {
  mlx: string;
  imports?: string[];
  helpers?: string[];
  moduleOnly?: boolean;
  note?: { code: string; message: string };
  container?: { mlx: string; helpers: string[] };
}

/**
 * torch.nn.Module methods whose MLX counterpart differs ({self} is the module's text). MLX's
 * `parameters()` is a nested dict, so torch's iterators become flattened lists (`parameters()` a generator over one, as
 * torch's is: `next(self.parameters())` reads the first). `{args}` is the call's
 * arguments, translated. `moduleOnly`: no other object torch code meets has the method (a tensor, a list, a
 * dict), so a call on a receiver of unknown type (`module.named_children()` in a helper taking any module) is
 * the module's. `container`: the form where the receiver is a torch ModuleList, which MLX holds as a plain list (no
 * Module method reaches it), or may be one (a moduleOnly method on a receiver of unknown type): a helper that asks at
 * run time; a row without one keeps its module form.
 */
export const MODULE_METHODS: Record<string, ModuleMethodRow> = nameTable({
  named_parameters: {
    mlx: "tree_flatten({self}.parameters())",
    imports: ["from mlx.utils import tree_flatten"],
    moduleOnly: true,
    container: { mlx: "c2m_named_parameters_of({self})", helpers: ["c2m_named_parameters_of"] },
  },
  parameters: {
    mlx: "(p for _, p in tree_flatten({self}.parameters()))",
    imports: ["from mlx.utils import tree_flatten"],
    container: { mlx: "c2m_parameters_of({self})", helpers: ["c2m_parameters_of"] },
  },
  // torch's names and arrays (Hyena reads a layer's `state_dict().items()` to mark each parameter); MLX keeps buffers as
  // parameters unless private, as c2m ports them where they are not persistent
  state_dict: {
    mlx: "dict(tree_flatten({self}.parameters()))",
    imports: ["from mlx.utils import tree_flatten"],
    moduleOnly: true,
    container: { mlx: "c2m_state_dict_of({self})", helpers: ["c2m_state_dict_of"] },
  },
  named_buffers: { mlx: "[]", moduleOnly: true },
  buffers: { mlx: "[]" },
  // torch's names: a Sequential's are its positions ("0", "1", ...), which MLX's keeps in its `layers` list
  children: { mlx: "[m for _, m in c2m_named_children({self})]", helpers: ["c2m_named_children"], moduleOnly: true },
  named_children: { mlx: "c2m_named_children({self})", helpers: ["c2m_named_children"], moduleOnly: true },
  // torch's order, depth first as children were added: MLX's modules() visits children last to first
  modules: { mlx: "c2m_modules({self})", helpers: ["c2m_modules"], moduleOnly: true },
  named_modules: { mlx: "c2m_named_modules({self}, {args})", helpers: ["c2m_named_modules"], moduleOnly: true },
  to: { mlx: "{self}" },
  cuda: { mlx: "{self}" },
  cpu: { mlx: "{self}" },
  float: { mlx: "{self}" },
  requires_grad_: { mlx: "{self}" },
  zero_grad: { mlx: "None" },
  // {args}: the call's arguments, translated (MLX's Module holds child modules as attributes)
  add_module: { mlx: "setattr({self}, {args})", moduleOnly: true, container: { mlx: "c2m_add_module({self}, {args})", helpers: ["c2m_add_module"] } },
  register_module: { mlx: "setattr({self}, {args})", moduleOnly: true },
  // `register_parameter("mix_factor", nn.Parameter(t))` (diffusers' AlphaBlender): MLX's Module makes a public array attribute a parameter
  register_parameter: { mlx: "setattr({self}, {args})", moduleOnly: true },
  // a dotted path of torch's child names (transformers' quantizers read model.get_submodule("h.0.attn"))
  get_submodule: { mlx: "c2m_get_submodule({self}, {args})", helpers: ["c2m_get_submodule"], moduleOnly: true },
  get_parameter: { mlx: "c2m_get_parameter({self}, {args})", helpers: ["c2m_get_parameter"], moduleOnly: true },
  get_buffer: { mlx: "c2m_get_parameter({self}, {args}, private=True)", helpers: ["c2m_get_parameter"], moduleOnly: true },
  // a hook run after the module's forward (transformers' output capturing): MLX's Module has none; the helper runs it
  register_forward_hook: { mlx: "c2m_register_forward_hook({self}, {args})", helpers: ["c2m_register_forward_hook"], moduleOnly: true },
  // hooks torch runs inside load_state_dict (transformers' Mamba renames old checkpoints' keys): the port loads weights
  // `c2m weights` converted from the torch model's state_dict(), whose keys no load hook touches
  _register_load_state_dict_pre_hook: { mlx: "None", moduleOnly: true, note: LOAD_HOOK_NOTE },
  register_load_state_dict_pre_hook: { mlx: "None", moduleOnly: true, note: LOAD_HOOK_NOTE },
  register_load_state_dict_post_hook: { mlx: "None", moduleOnly: true, note: LOAD_HOOK_NOTE },
});

/**
 * torch's nn.Sequential is also a list of its modules (`stages.append(stage)`, timm's TinyVit); MLX's keeps them
 * in its `layers` list, which its __call__ runs in order and its parameters walk.
 */
export const SEQUENTIAL_METHODS: Record<string, { mlx: string }> = nameTable({
  append: { mlx: "{self}.layers.append({args})" },
  extend: { mlx: "{self}.layers.extend({args})" },
  insert: { mlx: "{self}.layers.insert({args})" },
});

let mlxSignatures: Record<string, string[]> | undefined;

/** Parameter names of an MLX layer constructor (`nn.Conv2d`), from mlx-signatures.json (generated from MLX). */
export function mlxConstructorParams(callee: string): string[] | undefined {
  mlxSignatures ??= nameTable(JSON.parse(readFileSync(join(packageRoot(), "passes", "tables", "mlx-signatures.json"), "utf8")) as Record<string, string[]>);
  return mlxSignatures[callee];
}

/**
 * torch.nn.init's in-place initialisers → MLX's initializer functions, as an assignment to the same
 * tensor: `nn.init.normal_(m.weight, std=0.02)` → `m.weight = nn.init.normal(0.0, 0.02)(m.weight)`.
 * `{gain}` is torch's calculate_gain(nonlinearity, a) (kaiming's default: leaky_relu with a=0).
 */
export const INIT_FUNCTIONS: Record<string, { sig: string[]; mlx: string }> = nameTable({
  normal_: { sig: ["tensor", "mean=0.0", "std=1.0", "generator=None"], mlx: "nn.init.normal({mean}, {std})({tensor})" },
  uniform_: { sig: ["tensor", "a=0.0", "b=1.0", "generator=None"], mlx: "nn.init.uniform({a}, {b})({tensor})" },
  constant_: { sig: ["tensor", "val"], mlx: "mx.full({tensor}.shape, {val}, dtype={tensor}.dtype)" },
  zeros_: { sig: ["tensor"], mlx: "mx.zeros_like({tensor})" },
  ones_: { sig: ["tensor"], mlx: "mx.ones_like({tensor})" },
  xavier_uniform_: { sig: ["tensor", "gain=1.0", "generator=None"], mlx: "nn.init.glorot_uniform()({tensor}, {gain})" },
  xavier_normal_: { sig: ["tensor", "gain=1.0", "generator=None"], mlx: "nn.init.glorot_normal()({tensor}, {gain})" },
  kaiming_normal_: { sig: ["tensor", "a=0", "mode='fan_in'", "nonlinearity='leaky_relu'", "generator=None"], mlx: "nn.init.he_normal()({tensor}, mode={mode}, gain={gain})" },
  kaiming_uniform_: { sig: ["tensor", "a=0", "mode='fan_in'", "nonlinearity='leaky_relu'", "generator=None"], mlx: "nn.init.he_uniform()({tensor}, mode={mode}, gain={gain})" },
  trunc_normal_: {
    sig: ["tensor", "mean=0.0", "std=1.0", "a=-2.0", "b=2.0", "generator=None"],
    mlx: "{mean} + {std} * mx.random.truncated_normal(({a} - {mean}) / {std}, ({b} - {mean}) / {std}, {tensor}.shape)",
  },
});

/**
 * torch.nn.init's in-place initialisers used as values, not called as statements (transformers' initialization.py
 * keeps `TORCH_INIT_FUNCTIONS = {"normal_": torch.nn.init.normal_, ...}` and calls them later): a function with
 * torch's signature that fills the MLX array in place (cookbook/helpers/c2m_torch_init.py).
 */
const INIT_VALUES = [
  "uniform_",
  "normal_",
  "trunc_normal_",
  "constant_",
  "ones_",
  "zeros_",
  "eye_",
  "dirac_",
  "xavier_uniform_",
  "xavier_normal_",
  "kaiming_uniform_",
  "kaiming_normal_",
  "orthogonal_",
  "sparse_",
];
for (const name of INIT_VALUES) TORCH_NAMES[`torch.nn.init.${name}`] = `c2m_torch_init(${JSON.stringify(name)})`;

/**
 * Weight normalization, both of torch's forms: the layer keeps g and v as parameters under torch's names and computes
 * its weight from them (cookbook/helpers/c2m_weight_norm.py; the module tree renames the layer's weight rules,
 * passes/weight-norm.ts). The argument says which names: `weight_g`/`weight_v`, or `parametrizations.weight.original0/1`.
 */
export const WEIGHT_NORMS: Readonly<Record<string, boolean>> = nameTable({
  "torch.nn.utils.weight_norm": false,
  "torch.nn.utils.weight_norm.weight_norm": false,
  "torch.nn.utils.parametrizations.weight_norm": true,
});
for (const [name, parametrized] of Object.entries(WEIGHT_NORMS)) TORCH_NAMES[name] = `c2m_weight_norm(${parametrized ? "True" : "False"})`;

/** torch.nn.init.calculate_gain for a literal nonlinearity name ("'relu'"), as Python text. */
export function initGain(nonlinearity: string, a: string): string | undefined {
  switch (nonlinearity.replace(/["']/g, "")) {
    case "linear":
    case "conv1d":
    case "conv2d":
    case "conv3d":
    case "sigmoid":
      return "1.0";
    case "tanh":
      return "5.0 / 3";
    case "relu":
      return "math.sqrt(2.0)";
    case "selu":
      return "3.0 / 4";
    case "leaky_relu":
      return a === "0" || a === "0.0" ? "math.sqrt(2.0)" : `math.sqrt(2.0 / (1 + ${a} ** 2))`;
    default:
      return undefined;
  }
}

/** What MLX has, as src/tools/mlx_api.py writes it from the installed MLX (passes/tables/mlx-api.json). */
export interface MlxApi {
  /** the MLX version it was generated from */
  mlx: string;
  /** `mx`, `mx.fast`, `nn`, `nn.init`, … → their public attribute names */
  namespaces: Record<string, string[]>;
  /** attributes of `mx.array` and of `mlx.nn.Module` */
  array: string[];
  module: string[];
  /** the generating Python's builtins and standard-library module names */
  builtins: string[];
  stdlib: string[];
}

let mlxApiTable: MlxApi | undefined;

export function mlxApi(): MlxApi {
  if (!mlxApiTable) {
    const api = JSON.parse(readFileSync(join(packageRoot(), "passes", "tables", "mlx-api.json"), "utf8")) as MlxApi;
    mlxApiTable = { ...api, namespaces: nameTable(api.namespaces) };
  }
  return mlxApiTable;
}
