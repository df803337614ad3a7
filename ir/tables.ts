/**
 * The shape of the torch → MLX mapping tables (passes/tables/layers.ts, passes/tables/ops.ts).
 * The tables are data: the translator reads them, and README's supported-layer and op lists are
 * generated from them.
 *
 * ## Template language (used by `mlx` fields)
 * A template is MLX source text with holes:
 *   {name}           the argument bound to torch parameter `name` (after normalising positional and
 *                    keyword arguments against `sig`); required unless it has a default
 *   {name=default}   the argument, or the literal text `default` when the call omits it
 *   {*name}          a varargs parameter: its arguments joined with ", " (a single tuple/list argument is
 *                    passed through as written); an argument `({*name})` given exactly one argument is
 *                    that argument alone: `mx.zeros(({*size}))` renders `mx.zeros(5)` and `mx.zeros((2, 3))`
 *   {*name...}       as {*name}, but one list or tuple display given for the varargs is spread into them, as
 *                    torch reads it: `torch.meshgrid([a, b])` renders `mx.meshgrid(*[a, b])`
 *   [text]           an optional piece: emitted only if every {hole} inside it was given by the call
 *                    e.g. "mx.sum({input}[, axis={dim}][, keepdims={keepdim}])"
 *   {@helper}        the name of a cookbook helper (cookbook/helpers/<helper>.py); using it makes the
 *                    emitter include that helper once in the output file
 * Axis holes (params listed in `axes`) are remapped to the physical axis order when the tensor is held
 * channels-last; so are tuples of axes.
 */

/** How an op or layer treats tensor layout (see design.md "Typed tensor IR"). */
export type LayoutRule =
  /** any layout in, same layout out (activations, dropout, arithmetic with scalars) */
  | "elementwise"
  /** needs channels-last input of the given rank (conv, pool, BatchNorm2d, Upsample...), returns channels-last */
  | "channels_last"
  /** meaning depends on axis order: input must be in torch's logical order (reshape, matmul, Linear on the last axis...) */
  | "logical"
  /** axis-taking op whose axes (listed in `axes`) can be remapped; output keeps the layout (softmax, cumsum, cat, keepdim reductions) */
  | "axis"
  /** reduces over `axes`; output drops those axes unless keepdim */
  | "reduce"
  /** makes a fresh tensor (zeros, arange, randn): output is logical */
  | "source";

export interface LayerMapping {
  /** torch class, fully qualified: "torch.nn.Conv2d" */
  torch: string;
  /** torch constructor signature: parameter names in order, with torch defaults: ["in_channels", "out_channels", "kernel_size", "stride=1", ...] */
  sig: string[];
  /** MLX constructor template, e.g. "nn.Conv2d({in_channels}, {out_channels}, {kernel_size}[, stride={stride}]...)" */
  mlx: string;
  layout: LayoutRule;
  /** tensor rank the layer expects for channels_last ("Conv2d" → 4); channels-last permutation is derived from it */
  rank?: number;
  /** constructor arguments that MLX cannot honour: param name → allowed literal values (as written in Python); anything else → C2M-W003 */
  allowed?: Record<string, string[]>;
  /** weight conversion for this layer's own parameters, relative to the layer: (torch suffix, mlx suffix, op, ...args) */
  weights?: { torch: string | string[]; mlx: string | string[] | null; op: import("./weights.js").WeightOp; args?: number[] }[];
  /** cookbook helpers the template uses (also implied by {@helper} holes) */
  helpers?: string[];
  /** what __call__ returns, when not one tensor: "tuple" (LSTM/GRU: output, state) */
  returns?: "tensor" | "tuple";
  /**
   * A template (usually a helper) for calls MLX's own layer cannot honour: used when a parameter in
   * `handles` is given a value its `allowed` list lacks, or one in `strings` a string literal
   * (`padding='same'`); `allowed` then no longer restricts the parameters it handles.
   */
  general?: { mlx: string; handles: string[]; strings?: string[] };
  /**
   * constructor arguments torch's layer keeps as a tuple of `rank - 2` ints whatever it is given (`_pair(kernel_size)`
   * in `_ConvNd`): a subclass's forward reading `self.kernel_size[0]` gets the tuple from the stand-in too
   */
  tupled?: string[];
  /** one line for the README table */
  note?: string;
}

export interface OpMapping {
  /**
   * torch callables this row covers, fully qualified: "torch.cat", "torch.nn.functional.relu";
   * tensor methods as "Tensor.view". A function and its method twin usually share a row.
   */
  torch: string[];
  /** torch signature; for a method the receiver is the first parameter ("input" or "self") */
  sig: string[];
  /** MLX template (see the template language above) */
  mlx: string;
  layout: LayoutRule;
  /** parameters that are axis numbers (or tuples of them) */
  axes?: string[];
  /** the parameter holding the tensor whose layout decides the axis remapping; default: the first */
  subject?: string;
  /** arguments MLX cannot honour: param → allowed literal texts; others → C2M-W003 */
  allowed?: Record<string, string[]>;
  helpers?: string[];
  /** import lines the MLX template needs beyond mlx.core and mlx.nn (`import numpy as np`); placed only when read */
  imports?: string[];
  /** true for in-place methods (add_, relu_): translated as `x = op(x)` with C2M-W004 */
  inplace?: boolean;
  /**
   * the form where an item of the list argument is state another method stored on self (`torch.cat([self.keys, k])`,
   * transformers' DynamicCache, which starts its keys as `torch.tensor([])`): torch.cat skips 1-D empty tensors
   */
  stateItems?: { mlx: string; helpers: string[] };
  note?: string;
}

/** A few rows, to show the shape; the full tables are in passes/tables/. */
export const EXAMPLE_ROWS: { layers: LayerMapping[]; ops: OpMapping[] } = {
  layers: [
    {
      torch: "torch.nn.Conv2d",
      sig: ["in_channels", "out_channels", "kernel_size", "stride=1", "padding=0", "dilation=1", "groups=1", "bias=True", "padding_mode='zeros'"],
      mlx: "nn.Conv2d({in_channels}, {out_channels}, {kernel_size}[, stride={stride}][, padding={padding}][, dilation={dilation}][, groups={groups}][, bias={bias}])",
      layout: "channels_last",
      rank: 4,
      allowed: { padding_mode: ["'zeros'", '"zeros"'] },
      weights: [{ torch: "weight", mlx: "weight", op: "conv" }],
    },
  ],
  ops: [
    { torch: ["torch.cat", "torch.concat", "torch.concatenate"], sig: ["tensors", "dim=0"], mlx: "mx.concatenate({tensors}, axis={dim=0})", layout: "axis", axes: ["dim"] },
    {
      torch: ["torch.sum", "Tensor.sum"],
      sig: ["input", "dim=None", "keepdim=False"],
      mlx: "mx.sum({input}[, axis={dim}][, keepdims={keepdim}])",
      layout: "reduce",
      axes: ["dim"],
    },
    { torch: ["Tensor.view", "Tensor.reshape"], sig: ["self", "*shape"], mlx: "{self}.reshape({*shape})", layout: "logical" },
  ],
};

/**
 * A lookup table read with names from the user's source (an attribute, a method, a keyword, a CUDA call
 * or type): without a prototype, `constructor`, `toString`, `__proto__` and Object.prototype's other
 * members are absent from it for `[]`, `in` and `??`, as they are from torch or CUDA, instead of
 * answering with a JavaScript function.
 */
export function nameTable<T extends object>(entries: T): T {
  return Object.setPrototypeOf(entries, null) as T;
}
