/**
 * torch / torch.nn.functional / Tensor-method → MLX op table (data; see ir/tables.ts for the template
 * language). Every row is checked numerically against torch by test/ops.test.ts.
 *
 * Conventions that hold for the whole table:
 * - Integer results are MLX's int32 where torch gives int64 (arange, argmax, indices of max/sort/topk,
 *   tensor([1, 2]), one_hot): the same numbers below 2**31. MLX's argmax/argmin/argsort return uint32,
 *   which wraps on subtraction, so their rows cast to int32.
 * - A parameter MLX cannot honour is restricted with `allowed` (anything else → C2M-W003); a torch
 *   behaviour with no one-call MLX form goes through a helper in cookbook/helpers/ops_<name>.py.
 * - No template indexes with an argument: passes/template-render.ts reads a bracket that holds a hole as an
 *   optional piece, so `x.shape[{dim}]` cannot be written; a helper does such indexing.
 * - A hole followed by `.` (method call, `.T`, `.shape`) needs its argument parenthesised by the
 *   renderer when the argument is not an atom (`torch.reshape(a + b, s)` → `(a + b).reshape(s)`).
 */
import type { OpMapping } from "../../ir/tables.js";

/** An op row, with two facts OpMapping has no field for (proposed as extensions). */
export interface OpRow extends OpMapping {
  /** the tensor rank a channels_last op expects (F.conv2d → 4), as LayerMapping has */
  rank?: number;
  /**
   * With its axis parameter absent or None the op works on the flattened tensor (argmax → a flat
   * index, roll → a flat shift), so the subject must then be in torch's logical order.
   */
  axisNoneFlattens?: boolean;
}

/** Helpers used by this table: name → file (the function in the file has the helper's name). */
export const OP_HELPERS: Record<string, { file: string; kind: "function" }> = Object.fromEntries(
  [
    "ops_size", "ops_expand", "ops_split", "ops_chunk", "ops_narrow", "ops_select", "ops_to", "ops_randn",
    "ops_rand", "ops_randint", "ops_gelu", "ops_var", "ops_std", "ops_max", "ops_min", "ops_topk", "ops_sort",
    "ops_argsort", "ops_norm", "ops_normalize", "ops_gather", "ops_one_hot", "ops_cross_entropy", "ops_nll_loss",
    "ops_scaled_dot_product_attention", "ops_pad", "ops_interpolate", "ops_adaptive_avg_pool", "ops_adaptive_max_pool", "ops_conv",
    "ops_layer_norm", "ops_group_norm", "ops_batch_norm", "ops_cosine_similarity", "ops_pixel_shuffle", "ops_scatter",
    "ops_scatter_add", "ops_index_add", "ops_median", "ops_rms_norm", "ops_conv_transpose", "ops_cdist", "ops_prelu", "ops_kl_div",
    "ops_unfold", "ops_multinomial", "ops_hstack", "ops_std_mean", "ops_var_mean", "ops_pixel_unshuffle",
  ].map((name) => [name, { file: `cookbook/helpers/${name}.py`, kind: "function" as const }]),
);

/** torch callables with no faithful MLX translation: the translator reports them (C2M-E/W) with the reason. */
export const UNSUPPORTED_OPS: { torch: string[]; reason: string }[] = [
  { torch: ["torch.masked_select", "Tensor.masked_select"], reason: "the result's shape depends on the data; MLX needs shapes known before evaluation. Use mx.where with a fill value instead." },
  { torch: ["torch.nonzero", "Tensor.nonzero", "torch.argwhere", "Tensor.argwhere"], reason: "the result's shape depends on the data; MLX needs shapes known before evaluation." },
  { torch: ["torch.bincount", "Tensor.bincount"], reason: "the result's length depends on the data (max + 1)." },
  { torch: ["torch.unique", "Tensor.unique", "torch.unique_consecutive"], reason: "the result's shape depends on the data (mx.unique needs a fixed `size`)." },
  { torch: ["Tensor.double"], reason: "float64 is not available on the GPU in MLX (CPU stream only)." },
  { torch: ["Tensor.data_ptr", "Tensor.storage", "Tensor.untyped_storage", "Tensor.pin_memory", "Tensor.share_memory_"], reason: "MLX arrays expose no storage or memory placement." },
  { torch: ["torch.lgamma", "Tensor.lgamma", "torch.digamma", "Tensor.digamma", "torch.polygamma", "torch.mvlgamma", "torch.special.gammaln", "torch.special.digamma"], reason: "MLX has no gamma-family functions." },
  { torch: ["Tensor.backward", "torch.autograd.grad"], reason: "MLX computes gradients with mx.grad / nn.value_and_grad over a function, not from a tensor." },
];

const F = "torch.nn.functional.";

/** A one-argument elementwise op with a `torch.` function and a `Tensor.` method of the same name. */
function unary(name: string, mlx: string, more: string[] = [], note?: string): OpRow {
  return { torch: [`torch.${name}`, `Tensor.${name}`, ...more], sig: ["input"], mlx: `${mlx}({input})`, layout: "elementwise", ...(note ? { note } : {}) };
}

/** A two-argument elementwise op (tensor or scalar `other`). */
function binary(names: string[], mlx: string, note?: string): OpRow {
  return { torch: names, sig: ["input", "other"], mlx: `${mlx}({input}, {other})`, layout: "elementwise", ...(note ? { note } : {}) };
}

/** A Tensor.<name>() dtype cast. */
function cast(method: string, dtype: string): OpRow {
  return { torch: [`Tensor.${method}`], sig: ["self", "memory_format=None"], mlx: `{self}.astype(${dtype})`, layout: "elementwise" };
}

/** An in-place method twin: translated as `x = <template>` (see OpMapping.inplace). */
function inplace(row: OpRow, names: string[]): OpRow {
  return { ...row, torch: names, inplace: true };
}

/** The out-of-place rows, and in-place methods that have no out-of-place twin. */
const BASE_ROWS: OpRow[] = [
  // ── shape and layout ────────────────────────────────────────────────────────────────────────────
  { torch: ["Tensor.view", "Tensor.reshape"], sig: ["self", "*shape"], mlx: "{self}.reshape({*shape})", layout: "logical", note: "view(dtype) (a bit reinterpretation) is not covered" },
  { torch: ["torch.reshape"], sig: ["input", "shape"], mlx: "{input}.reshape({shape})", layout: "logical" },
  { torch: ["Tensor.view_as", "Tensor.reshape_as"], sig: ["self", "other"], mlx: "{self}.reshape({other}.shape)", layout: "logical" },
  { torch: ["Tensor.permute"], sig: ["self", "*dims"], mlx: "{self}.transpose({*dims})", layout: "logical", note: "MLX's transpose is torch's permute" },
  { torch: ["torch.permute"], sig: ["input", "dims"], mlx: "{input}.transpose({dims})", layout: "logical" },
  { torch: ["Tensor.transpose", "torch.transpose", "torch.swapaxes", "Tensor.swapaxes", "torch.swapdims", "Tensor.swapdims"], sig: ["input", "dim0", "dim1"], mlx: "{input}.swapaxes({dim0}, {dim1})", layout: "logical", note: "torch's 2-axis transpose" },
  { torch: ["torch.t", "Tensor.t"], sig: ["input"], mlx: "{input}.T", layout: "logical" },
  { torch: ["torch.movedim", "torch.moveaxis", "Tensor.movedim", "Tensor.moveaxis"], sig: ["input", "source", "destination"], mlx: "mx.moveaxis({input}, {source}, {destination})", layout: "logical", note: "single axes only (MLX takes ints)" },
  { torch: ["Tensor.contiguous"], sig: ["self", "memory_format=None"], mlx: "{self}", layout: "elementwise", note: "dropped: MLX manages strides itself" },
  { torch: ["torch.flatten", "Tensor.flatten"], sig: ["input", "start_dim=0", "end_dim=-1"], mlx: "mx.flatten({input}[, start_axis={start_dim}][, end_axis={end_dim}])", layout: "logical" },
  { torch: ["torch.unflatten", "Tensor.unflatten"], sig: ["input", "dim", "sizes"], mlx: "mx.unflatten({input}, {dim}, {sizes})", layout: "logical" },
  { torch: ["torch.unsqueeze", "Tensor.unsqueeze"], sig: ["input", "dim"], mlx: "mx.expand_dims({input}, {dim})", layout: "logical" },
  { torch: ["torch.squeeze", "Tensor.squeeze"], sig: ["input", "dim=None"], mlx: "mx.squeeze({input}[, axis={dim}])", layout: "logical", note: "squeezing a dimension that is not 1 is a no-op in torch and an error in MLX" },
  { torch: ["Tensor.expand", "torch.broadcast_to", "Tensor.broadcast_to"], sig: ["input", "*size"], mlx: "{@ops_expand}({input}, {*size})", layout: "logical", helpers: ["ops_expand"], note: "-1 keeps a dimension" },
  { torch: ["Tensor.expand_as"], sig: ["self", "other"], mlx: "mx.broadcast_to({self}, {other}.shape)", layout: "logical" },
  { torch: ["torch.broadcast_tensors"], sig: ["*tensors"], mlx: "mx.broadcast_arrays({*tensors})", layout: "logical" },
  { torch: ["Tensor.repeat"], sig: ["self", "*sizes"], mlx: "mx.tile({self}, ({*sizes}))", layout: "logical", note: "torch's repeat is numpy's tile" },
  { torch: ["torch.tile", "Tensor.tile"], sig: ["input", "dims"], mlx: "mx.tile({input}, {dims})", layout: "logical" },
  { torch: ["torch.repeat_interleave", "Tensor.repeat_interleave"], sig: ["input", "repeats", "dim=None", "output_size=None"], mlx: "mx.repeat({input}, {repeats}[, axis={dim}])", layout: "logical", note: "repeats must be an int (MLX has no per-element repeat counts)" },
  { torch: ["torch.cat", "torch.concat", "torch.concatenate"], sig: ["tensors", "dim=0"], mlx: "mx.concatenate({tensors}, axis={dim=0})", layout: "axis", axes: ["dim"] },
  { torch: ["torch.vstack", "torch.row_stack"], sig: ["tensors"], mlx: "mx.concatenate(tuple(mx.atleast_2d(t) for t in {tensors}), axis=0)", layout: "logical" },
  { torch: ["torch.hstack"], sig: ["tensors"], mlx: "{@ops_hstack}({tensors})", layout: "logical", helpers: ["ops_hstack"] },
  { torch: ["torch.atleast_1d"], sig: ["*tensors"], mlx: "mx.atleast_1d({*tensors})", layout: "logical" },
  { torch: ["torch.atleast_2d"], sig: ["*tensors"], mlx: "mx.atleast_2d({*tensors})", layout: "logical" },
  { torch: ["torch.atleast_3d"], sig: ["*tensors"], mlx: "mx.atleast_3d({*tensors})", layout: "logical" },
  { torch: ["torch.stack"], sig: ["tensors", "dim=0"], mlx: "mx.stack({tensors}, axis={dim=0})", layout: "logical" },
  { torch: ["torch.split", "Tensor.split"], sig: ["tensor", "split_size_or_sections", "dim=0"], mlx: "{@ops_split}({tensor}, {split_size_or_sections}[, {dim}])", layout: "axis", axes: ["dim"], helpers: ["ops_split"], note: "torch takes piece sizes, mx.split cut indices" },
  { torch: ["torch.chunk", "Tensor.chunk"], sig: ["input", "chunks", "dim=0"], mlx: "{@ops_chunk}({input}, {chunks}[, {dim}])", layout: "axis", axes: ["dim"], helpers: ["ops_chunk"], note: "ceil-sized pieces, as torch" },
  { torch: ["torch.unbind", "Tensor.unbind"], sig: ["input", "dim=0"], mlx: "mx.unstack({input}[, axis={dim}])", layout: "logical" },
  { torch: ["torch.narrow", "Tensor.narrow"], sig: ["input", "dim", "start", "length"], mlx: "{@ops_narrow}({input}, {dim}, {start}, {length})", layout: "axis", axes: ["dim"], helpers: ["ops_narrow"] },
  { torch: ["torch.select", "Tensor.select"], sig: ["input", "dim", "index"], mlx: "{@ops_select}({input}, {dim}, {index})", layout: "reduce", axes: ["dim"], helpers: ["ops_select"] },
  { torch: ["torch.flip"], sig: ["input", "dims"], mlx: "mx.flip({input}, axis={dims})", layout: "axis", axes: ["dims"] },
  { torch: ["Tensor.flip"], sig: ["self", "*dims"], mlx: "mx.flip({self}, axis=({*dims}))", layout: "axis", axes: ["dims"] },
  { torch: ["torch.fliplr"], sig: ["input"], mlx: "mx.flip({input}, axis=1)", layout: "logical" },
  { torch: ["torch.flipud"], sig: ["input"], mlx: "mx.flip({input}, axis=0)", layout: "logical" },
  { torch: ["torch.roll", "Tensor.roll"], sig: ["input", "shifts", "dims=None"], mlx: "mx.roll({input}, {shifts}[, {dims}])", layout: "axis", axes: ["dims"], axisNoneFlattens: true },
  { torch: ["Tensor.size"], sig: ["self", "dim=None"], mlx: "{@ops_size}({self}[, {dim}])", layout: "logical", helpers: ["ops_size"] },
  { torch: ["Tensor.dim", "Tensor.ndimension"], sig: ["self"], mlx: "{self}.ndim", layout: "elementwise" },
  { torch: ["torch.numel", "Tensor.numel", "Tensor.nelement"], sig: ["input"], mlx: "{input}.size", layout: "elementwise" },
  { torch: ["Tensor.unfold"], sig: ["self", "dimension", "size", "step"], mlx: "{@ops_unfold}({self}, {dimension}, {size}, {step})", layout: "logical", helpers: ["ops_unfold"], note: "sliding windows (not F.unfold)" },
  { torch: ["Tensor.is_contiguous"], sig: ["self", "memory_format=None"], mlx: "True", layout: "elementwise", note: "MLX arrays are always usable as contiguous" },
  { torch: ["torch.device"], sig: ["type", "index=None"], mlx: "{type}", layout: "source", note: "MLX has one unified memory: a device is only its name" },
  { torch: ["torch.finfo"], sig: ["type=None"], mlx: "mx.finfo({type=mx.float32})", layout: "source" },
  { torch: ["torch.iinfo"], sig: ["type"], mlx: "mx.iinfo({type})", layout: "source" },
  { torch: ["Tensor.element_size"], sig: ["self"], mlx: "{self}.itemsize", layout: "elementwise" },

  // ── dtype, device, host ─────────────────────────────────────────────────────────────────────────
  { torch: ["Tensor.to"], sig: ["self", "*args", "dtype=None", "non_blocking=False", "copy=False", "memory_format=None", "device=None"], mlx: "{@ops_to}({self}[, {*args}][, dtype={dtype}])", layout: "elementwise", helpers: ["ops_to"], note: "only the dtype matters; devices are dropped" },
  { torch: ["Tensor.type_as"], sig: ["self", "other"], mlx: "{self}.astype({other}.dtype)", layout: "elementwise" },
  { torch: ["Tensor.type"], sig: ["self", "dtype"], mlx: "{self}.astype({dtype})", layout: "elementwise", note: "type() with no argument (the type name) is not covered" },
  cast("float", "mx.float32"),
  cast("half", "mx.float16"),
  cast("bfloat16", "mx.bfloat16"),
  cast("long", "mx.int64"),
  cast("int", "mx.int32"),
  cast("short", "mx.int16"),
  cast("char", "mx.int8"),
  cast("byte", "mx.uint8"),
  cast("bool", "mx.bool_"),
  { torch: ["Tensor.cpu", "Tensor.cuda"], sig: ["self", "*args", "non_blocking=False", "memory_format=None", "device=None"], mlx: "{self}", layout: "elementwise", note: "dropped: MLX has unified memory" },
  { torch: ["Tensor.detach"], sig: ["self"], mlx: "mx.stop_gradient({self})", layout: "elementwise" },
  { torch: ["torch.clone", "Tensor.clone"], sig: ["input", "memory_format=None"], mlx: "mx.array({input})", layout: "elementwise", note: "a new array, so item assignment on it leaves the original alone" },
  { torch: ["Tensor.item"], sig: ["self"], mlx: "{self}.item()", layout: "elementwise", note: "host read: forces evaluation" },
  { torch: ["Tensor.tolist"], sig: ["self"], mlx: "{self}.tolist()", layout: "logical", note: "host read: forces evaluation" },
  { torch: ["Tensor.numpy"], sig: ["self", "force=False"], mlx: "np.array({self})", layout: "logical", note: "host read; needs `import numpy as np`" },
  { torch: ["torch.is_tensor"], sig: ["obj"], mlx: "isinstance({obj}, mx.array)", layout: "elementwise" },
  { torch: ["torch.is_floating_point", "Tensor.is_floating_point"], sig: ["input"], mlx: "mx.issubdtype({input}.dtype, mx.floating)", layout: "elementwise" },

  // ── sources ─────────────────────────────────────────────────────────────────────────────────────
  { torch: ["torch.tensor", "torch.as_tensor"], sig: ["data", "dtype=None", "device=None", "requires_grad=False", "pin_memory=False"], mlx: "mx.array({data}[, dtype={dtype}])", layout: "source", note: "Python ints become int32 (torch: int64)" },
  { torch: ["torch.from_numpy"], sig: ["ndarray"], mlx: "mx.array({ndarray})", layout: "source", note: "float64 arrays become float32" },
  { torch: ["torch.scalar_tensor"], sig: ["s", "dtype=None", "layout=None", "device=None", "requires_grad=False", "pin_memory=False"], mlx: "mx.array({s}, dtype={dtype=mx.float32})", layout: "source", note: "a 0-d tensor, float32 unless a dtype is given" },
  { torch: ["torch.utils.checkpoint.checkpoint"], sig: ["function", "*args", "use_reentrant=None", "context_fn=None", "determinism_check='default'", "debug=False", "preserve_rng_state=True"], mlx: "mx.checkpoint({function})({*args})", layout: "logical", note: "MLX's gradient checkpointing: same values, recomputed in the backward pass" },
  { torch: ["torch.zeros"], sig: ["*size", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False"], mlx: "mx.zeros(({*size})[, dtype={dtype}])", layout: "source" },
  { torch: ["torch.ones"], sig: ["*size", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False"], mlx: "mx.ones(({*size})[, dtype={dtype}])", layout: "source" },
  { torch: ["torch.empty"], sig: ["*size", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False", "pin_memory=False", "memory_format=None"], mlx: "mx.zeros(({*size})[, dtype={dtype}])", layout: "source", note: "zero-filled (torch leaves it uninitialised)" },
  { torch: ["torch.full"], sig: ["size", "fill_value", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False"], mlx: "mx.full({size}, {fill_value}[, dtype={dtype}])", layout: "source" },
  { torch: ["torch.zeros_like"], sig: ["input", "dtype=None", "layout=None", "device=None", "requires_grad=False", "memory_format=None"], mlx: "mx.zeros_like({input})[.astype({dtype})]", layout: "elementwise" },
  { torch: ["torch.ones_like"], sig: ["input", "dtype=None", "layout=None", "device=None", "requires_grad=False", "memory_format=None"], mlx: "mx.ones_like({input})[.astype({dtype})]", layout: "elementwise" },
  { torch: ["torch.empty_like"], sig: ["input", "dtype=None", "layout=None", "device=None", "requires_grad=False", "memory_format=None"], mlx: "mx.zeros_like({input})[.astype({dtype})]", layout: "elementwise", note: "zero-filled" },
  { torch: ["torch.full_like"], sig: ["input", "fill_value", "dtype=None", "layout=None", "device=None", "requires_grad=False", "memory_format=None"], mlx: "mx.full_like({input}, {fill_value}[, dtype={dtype}])", layout: "elementwise" },
  { torch: ["torch.randn_like"], sig: ["input", "dtype=None", "layout=None", "device=None", "requires_grad=False", "memory_format=None"], mlx: "mx.random.normal({input}.shape, dtype={input}.dtype)", layout: "elementwise", allowed: { dtype: ["None"] } },
  { torch: ["torch.rand_like"], sig: ["input", "dtype=None", "layout=None", "device=None", "requires_grad=False", "memory_format=None"], mlx: "mx.random.uniform(shape={input}.shape, dtype={input}.dtype)", layout: "elementwise", allowed: { dtype: ["None"] } },
  { torch: ["Tensor.new_zeros"], sig: ["self", "*size", "dtype=None", "device=None", "requires_grad=False", "layout=None", "pin_memory=False"], mlx: "mx.zeros(({*size}), dtype={self}.dtype)[.astype({dtype})]", layout: "source" },
  { torch: ["Tensor.new_ones"], sig: ["self", "*size", "dtype=None", "device=None", "requires_grad=False", "layout=None", "pin_memory=False"], mlx: "mx.ones(({*size}), dtype={self}.dtype)[.astype({dtype})]", layout: "source" },
  { torch: ["Tensor.new_empty"], sig: ["self", "*size", "dtype=None", "device=None", "requires_grad=False", "layout=None", "pin_memory=False"], mlx: "mx.zeros(({*size}), dtype={self}.dtype)[.astype({dtype})]", layout: "source", note: "zero-filled" },
  { torch: ["Tensor.new_full"], sig: ["self", "size", "fill_value", "dtype=None", "device=None", "requires_grad=False", "layout=None", "pin_memory=False"], mlx: "mx.full({size}, {fill_value}, dtype={self}.dtype)[.astype({dtype})]", layout: "source" },
  { torch: ["Tensor.new_tensor"], sig: ["self", "data", "dtype=None", "device=None", "requires_grad=False", "layout=None", "pin_memory=False"], mlx: "mx.array({data}, dtype={self}.dtype)[.astype({dtype})]", layout: "source" },
  { torch: ["torch.arange"], sig: ["start", "end=None", "step=1", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False"], mlx: "mx.arange({start}[, {end}][, {step}][, dtype={dtype}])", layout: "source", note: "integer ranges are int32 (torch: int64)" },
  { torch: ["torch.linspace"], sig: ["start", "end", "steps", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False"], mlx: "mx.linspace({start}, {end}, {steps}[, dtype={dtype}])", layout: "source" },
  { torch: ["torch.eye"], sig: ["n", "m=None", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False"], mlx: "mx.eye({n}[, {m}][, dtype={dtype}])", layout: "source" },
  { torch: ["torch.randn"], sig: ["*size", "generator=None", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False", "pin_memory=False"], mlx: "{@ops_randn}({*size}[, dtype={dtype}])", layout: "source", helpers: ["ops_randn"], allowed: { generator: ["None"] }, note: "MLX's random stream: same distribution, different numbers" },
  { torch: ["torch.rand"], sig: ["*size", "generator=None", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False", "pin_memory=False"], mlx: "{@ops_rand}({*size}[, dtype={dtype}])", layout: "source", helpers: ["ops_rand"], allowed: { generator: ["None"] } },
  { torch: ["torch.randint"], sig: ["*args", "generator=None", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False"], mlx: "{@ops_randint}({*args}[, dtype={dtype}])", layout: "source", helpers: ["ops_randint"], allowed: { generator: ["None"] } },
  { torch: ["torch.bernoulli", "Tensor.bernoulli"], sig: ["input", "p=None", "generator=None"], mlx: "mx.random.bernoulli({input}).astype({input}.dtype)", layout: "elementwise", allowed: { p: ["None"], generator: ["None"] }, note: "`input` holds the probabilities" },
  { torch: ["torch.randperm"], sig: ["n", "generator=None", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False", "pin_memory=False"], mlx: "mx.random.permutation({n}).astype({dtype=mx.int32})", layout: "source", allowed: { generator: ["None"] } },
  { torch: ["torch.multinomial", "Tensor.multinomial"], sig: ["input", "num_samples", "replacement=False", "generator=None"], mlx: "{@ops_multinomial}({input}, {num_samples}[, replacement={replacement}])", layout: "logical", helpers: ["ops_multinomial"], allowed: { generator: ["None"] } },
  { torch: ["torch.manual_seed"], sig: ["seed"], mlx: "mx.random.seed({seed})", layout: "source", note: "seeds MLX's generator: the numbers differ from torch's" },
  { torch: ["torch.meshgrid"], sig: ["*tensors", "indexing='ij'"], mlx: "mx.meshgrid({*tensors}, indexing={indexing='ij'})", layout: "source", note: "torch defaults to 'ij', MLX to 'xy'" },
  { torch: ["torch.tril", "Tensor.tril"], sig: ["input", "diagonal=0"], mlx: "mx.tril({input}[, k={diagonal}])", layout: "logical" },
  { torch: ["torch.triu", "Tensor.triu"], sig: ["input", "diagonal=0"], mlx: "mx.triu({input}[, k={diagonal}])", layout: "logical" },
  { torch: ["torch.diag", "Tensor.diag"], sig: ["input", "diagonal=0"], mlx: "mx.diag({input}[, k={diagonal}])", layout: "logical" },
  { torch: ["torch.diagonal", "Tensor.diagonal"], sig: ["input", "offset=0", "dim1=0", "dim2=1"], mlx: "mx.diagonal({input}, {offset=0}, {dim1=0}, {dim2=1})", layout: "logical" },
  { torch: ["torch.trace", "Tensor.trace"], sig: ["input"], mlx: "mx.trace({input})", layout: "logical" },

  // ── elementwise math ────────────────────────────────────────────────────────────────────────────
  { torch: ["torch.add", "Tensor.add"], sig: ["input", "other", "alpha=1"], mlx: "mx.add({input}, {other})", layout: "elementwise", allowed: { alpha: ["1"] }, note: "alpha other than 1: multiply `other` first" },
  { torch: ["torch.sub", "torch.subtract", "Tensor.sub", "Tensor.subtract"], sig: ["input", "other", "alpha=1"], mlx: "mx.subtract({input}, {other})", layout: "elementwise", allowed: { alpha: ["1"] } },
  binary(["torch.mul", "torch.multiply", "Tensor.mul", "Tensor.multiply"], "mx.multiply"),
  {
  torch: ["torch.div", "torch.divide", "torch.true_divide", "Tensor.div", "Tensor.divide", "Tensor.true_divide"],
  sig: ["input", "other", "rounding_mode=None"],
  mlx: "mx.divide({input}, {other})",
  layout: "elementwise",
  allowed: { rounding_mode: ["None"] },
  note: "true division, also of integers (as torch); rounding_mode='floor' is torch.floor_divide",
},
  binary(["torch.floor_divide", "Tensor.floor_divide", "Tensor.__floordiv__"], "mx.floor_divide", "floor division, as torch >= 1.13"),
  binary(["torch.remainder", "Tensor.remainder", "Tensor.__mod__"], "mx.remainder", "sign of the divisor, as Python's %"),
  binary(["torch.pow", "Tensor.pow", "Tensor.__pow__"], "mx.power"),
  binary(["torch.maximum", "Tensor.maximum"], "mx.maximum"),
  binary(["torch.minimum", "Tensor.minimum"], "mx.minimum"),
  binary(["torch.atan2", "torch.arctan2", "Tensor.atan2"], "mx.arctan2"),
  binary(["torch.logaddexp", "Tensor.logaddexp"], "mx.logaddexp"),
  { torch: ["torch.lerp", "Tensor.lerp"], sig: ["input", "end", "weight"], mlx: "mx.add({input}, mx.multiply({weight}, mx.subtract({end}, {input})))", layout: "elementwise" },
  { torch: ["torch.addcmul", "Tensor.addcmul"], sig: ["input", "tensor1", "tensor2", "value=1"], mlx: "mx.add({input}, mx.multiply({value=1}, mx.multiply({tensor1}, {tensor2})))", layout: "elementwise" },
  { torch: ["torch.addcdiv", "Tensor.addcdiv"], sig: ["input", "tensor1", "tensor2", "value=1"], mlx: "mx.add({input}, mx.multiply({value=1}, mx.divide({tensor1}, {tensor2})))", layout: "elementwise" },
  unary("abs", "mx.abs", ["torch.absolute"]),
  unary("neg", "mx.negative", ["torch.negative", "Tensor.negative"]),
  unary("exp", "mx.exp"),
  { torch: ["torch.exp2", "Tensor.exp2"], sig: ["input"], mlx: "mx.power(2.0, {input})", layout: "elementwise" },
  unary("expm1", "mx.expm1"),
  unary("log", "mx.log"),
  unary("log2", "mx.log2"),
  unary("log10", "mx.log10"),
  unary("log1p", "mx.log1p"),
  unary("sqrt", "mx.sqrt"),
  unary("rsqrt", "mx.rsqrt"),
  unary("square", "mx.square"),
  unary("reciprocal", "mx.reciprocal"),
  unary("sin", "mx.sin"),
  unary("cos", "mx.cos"),
  unary("tan", "mx.tan"),
  unary("asin", "mx.arcsin", ["torch.arcsin"]),
  unary("acos", "mx.arccos", ["torch.arccos"]),
  unary("atan", "mx.arctan", ["torch.arctan"]),
  unary("sinh", "mx.sinh"),
  unary("cosh", "mx.cosh"),
  unary("asinh", "mx.arcsinh", ["torch.arcsinh"]),
  unary("acosh", "mx.arccosh", ["torch.arccosh"]),
  unary("atanh", "mx.arctanh", ["torch.arctanh"]),
  unary("erf", "mx.erf", ["torch.special.erf"]),
  unary("erfinv", "mx.erfinv", ["torch.special.erfinv"]),
  { torch: ["torch.erfc", "Tensor.erfc", "torch.special.erfc"], sig: ["input"], mlx: "mx.subtract(1, mx.erf({input}))", layout: "elementwise" },
  { torch: ["torch.logit", "Tensor.logit", "torch.special.logit"], sig: ["input", "eps=None"], mlx: "mx.log(mx.divide({input}, mx.subtract(1, {input})))", layout: "elementwise", allowed: { eps: ["None"] } },
  unary("floor", "mx.floor"),
  unary("deg2rad", "mx.radians"),
  unary("rad2deg", "mx.degrees"),
  { torch: ["torch.frac", "Tensor.frac"], sig: ["input"], mlx: "mx.subtract({input}, mx.trunc({input}))", layout: "elementwise" },
  unary("bitwise_not", "mx.bitwise_invert"),
  unary("ceil", "mx.ceil"),
  unary("trunc", "mx.trunc", ["torch.fix"]),
  { torch: ["torch.round", "Tensor.round"], sig: ["input", "decimals=0"], mlx: "mx.round({input}[, {decimals}])", layout: "elementwise", note: "halves to even, as torch" },
  unary("sign", "mx.sign"),
  unary("isnan", "mx.isnan"),
  unary("isinf", "mx.isinf"),
  unary("isfinite", "mx.isfinite"),
  { torch: ["torch.nan_to_num", "Tensor.nan_to_num"], sig: ["input", "nan=0.0", "posinf=None", "neginf=None"], mlx: "mx.nan_to_num({input}, {nan=0.0}, {posinf=None}, {neginf=None})", layout: "elementwise" },
  { torch: ["torch.clamp", "torch.clip", "Tensor.clamp", "Tensor.clip"], sig: ["input", "min=None", "max=None"], mlx: "mx.clip({input}, {min=None}, {max=None})", layout: "elementwise" },
  { torch: ["torch.clamp_min", "Tensor.clamp_min"], sig: ["input", "min"], mlx: "mx.maximum({input}, {min})", layout: "elementwise" },
  { torch: ["torch.clamp_max", "Tensor.clamp_max"], sig: ["input", "max"], mlx: "mx.minimum({input}, {max})", layout: "elementwise" },
  { torch: ["torch.masked_fill", "Tensor.masked_fill"], sig: ["input", "mask", "value"], mlx: "mx.where({mask}, {value}, {input}).astype({input}.dtype)", layout: "elementwise", note: "the result keeps the input's dtype, as torch" },
  { torch: ["torch.where"], sig: ["condition", "input", "other"], mlx: "mx.where({condition}, {input}, {other})", layout: "elementwise", subject: "input", note: "the one-argument form is nonzero (unsupported)" },
  { torch: ["Tensor.where"], sig: ["self", "condition", "other"], mlx: "mx.where({condition}, {self}, {other})", layout: "elementwise" },

  // ── comparisons and logic ───────────────────────────────────────────────────────────────────────
  binary(["torch.eq", "Tensor.eq"], "mx.equal"),
  binary(["torch.ne", "torch.not_equal", "Tensor.ne"], "mx.not_equal"),
  binary(["torch.lt", "torch.less", "Tensor.lt"], "mx.less"),
  binary(["torch.le", "torch.less_equal", "Tensor.le"], "mx.less_equal"),
  binary(["torch.gt", "torch.greater", "Tensor.gt"], "mx.greater"),
  binary(["torch.ge", "torch.greater_equal", "Tensor.ge"], "mx.greater_equal"),
  binary(["torch.logical_and", "Tensor.logical_and"], "mx.logical_and"),
  binary(["torch.logical_or", "Tensor.logical_or"], "mx.logical_or"),
  binary(["torch.logical_xor", "Tensor.logical_xor"], "mx.logical_xor"),
  unary("logical_not", "mx.logical_not"),
  binary(["torch.bitwise_and", "Tensor.bitwise_and"], "mx.bitwise_and"),
  binary(["torch.bitwise_or", "Tensor.bitwise_or"], "mx.bitwise_or"),
  binary(["torch.bitwise_xor", "Tensor.bitwise_xor"], "mx.bitwise_xor"),
  { torch: ["torch.isclose", "Tensor.isclose"], sig: ["input", "other", "rtol=1e-05", "atol=1e-08", "equal_nan=False"], mlx: "mx.isclose({input}, {other}[, rtol={rtol}][, atol={atol}][, equal_nan={equal_nan}])", layout: "elementwise" },
  { torch: ["torch.allclose", "Tensor.allclose"], sig: ["input", "other", "rtol=1e-05", "atol=1e-08", "equal_nan=False"], mlx: "mx.allclose({input}, {other}[, rtol={rtol}][, atol={atol}][, equal_nan={equal_nan}]).item()", layout: "logical", note: "a Python bool: host read" },
  { torch: ["torch.equal", "Tensor.equal"], sig: ["input", "other"], mlx: "mx.array_equal({input}, {other}).item()", layout: "logical", note: "a Python bool: host read" },

  // ── reductions ──────────────────────────────────────────────────────────────────────────────────
  { torch: ["torch.sum", "Tensor.sum"], sig: ["input", "dim=None", "keepdim=False", "dtype=None"], mlx: "mx.sum({input}[.astype({dtype})][, axis={dim}][, keepdims={keepdim}])", layout: "reduce", axes: ["dim"] },
  { torch: ["torch.mean", "Tensor.mean"], sig: ["input", "dim=None", "keepdim=False", "dtype=None"], mlx: "mx.mean({input}[.astype({dtype})][, axis={dim}][, keepdims={keepdim}])", layout: "reduce", axes: ["dim"] },
  { torch: ["torch.prod", "Tensor.prod"], sig: ["input", "dim=None", "keepdim=False", "dtype=None"], mlx: "mx.prod({input}[.astype({dtype})][, axis={dim}][, keepdims={keepdim}])", layout: "reduce", axes: ["dim"] },
  { torch: ["torch.var", "Tensor.var"], sig: ["input", "dim=None", "unbiased=True", "keepdim=False", "correction=None"], mlx: "{@ops_var}({input}[, dim={dim}][, unbiased={unbiased}][, keepdim={keepdim}][, correction={correction}])", layout: "reduce", axes: ["dim"], helpers: ["ops_var"], note: "unbiased by default, as torch (MLX's ddof defaults to 0)" },
  { torch: ["torch.std", "Tensor.std"], sig: ["input", "dim=None", "unbiased=True", "keepdim=False", "correction=None"], mlx: "{@ops_std}({input}[, dim={dim}][, unbiased={unbiased}][, keepdim={keepdim}][, correction={correction}])", layout: "reduce", axes: ["dim"], helpers: ["ops_std"], note: "unbiased by default, as torch (MLX's ddof defaults to 0)" },
  { torch: ["torch.std_mean"], sig: ["input", "dim=None", "unbiased=True", "keepdim=False", "correction=None"], mlx: "{@ops_std_mean}({input}[, dim={dim}][, unbiased={unbiased}][, keepdim={keepdim}][, correction={correction}])", layout: "reduce", axes: ["dim"], helpers: ["ops_std_mean"] },
  { torch: ["torch.var_mean"], sig: ["input", "dim=None", "unbiased=True", "keepdim=False", "correction=None"], mlx: "{@ops_var_mean}({input}[, dim={dim}][, unbiased={unbiased}][, keepdim={keepdim}][, correction={correction}])", layout: "reduce", axes: ["dim"], helpers: ["ops_var_mean"] },
  { torch: ["torch.amax", "Tensor.amax"], sig: ["input", "dim=None", "keepdim=False"], mlx: "mx.max({input}[, axis={dim}][, keepdims={keepdim}])", layout: "reduce", axes: ["dim"] },
  { torch: ["torch.amin", "Tensor.amin"], sig: ["input", "dim=None", "keepdim=False"], mlx: "mx.min({input}[, axis={dim}][, keepdims={keepdim}])", layout: "reduce", axes: ["dim"] },
  { torch: ["torch.max", "Tensor.max"], sig: ["input", "dim=None", "keepdim=False", "other=None"], mlx: "{@ops_max}({input}[, {dim}][, keepdim={keepdim}][, other={other}])", layout: "reduce", axes: ["dim"], helpers: ["ops_max"], note: "with dim: (values, indices), as torch" },
  { torch: ["torch.min", "Tensor.min"], sig: ["input", "dim=None", "keepdim=False", "other=None"], mlx: "{@ops_min}({input}[, {dim}][, keepdim={keepdim}][, other={other}])", layout: "reduce", axes: ["dim"], helpers: ["ops_min"], note: "with dim: (values, indices), as torch" },
  { torch: ["torch.argmax", "Tensor.argmax"], sig: ["input", "dim=None", "keepdim=False"], mlx: "mx.argmax({input}[, axis={dim}][, keepdims={keepdim}]).astype(mx.int32)", layout: "reduce", axes: ["dim"], axisNoneFlattens: true },
  { torch: ["torch.argmin", "Tensor.argmin"], sig: ["input", "dim=None", "keepdim=False"], mlx: "mx.argmin({input}[, axis={dim}][, keepdims={keepdim}]).astype(mx.int32)", layout: "reduce", axes: ["dim"], axisNoneFlattens: true },
  { torch: ["torch.all", "Tensor.all"], sig: ["input", "dim=None", "keepdim=False"], mlx: "mx.all({input}[, axis={dim}][, keepdims={keepdim}])", layout: "reduce", axes: ["dim"] },
  { torch: ["torch.any", "Tensor.any"], sig: ["input", "dim=None", "keepdim=False"], mlx: "mx.any({input}[, axis={dim}][, keepdims={keepdim}])", layout: "reduce", axes: ["dim"] },
  { torch: ["torch.median", "Tensor.median"], sig: ["input", "dim=None", "keepdim=False"], mlx: "{@ops_median}({input}[, {dim}][, keepdim={keepdim}])", layout: "reduce", axes: ["dim"], helpers: ["ops_median"], note: "the lower middle value, as torch (mx.median averages); with dim: (values, indices)" },
  { torch: ["torch.logsumexp", "Tensor.logsumexp"], sig: ["input", "dim", "keepdim=False"], mlx: "mx.logsumexp({input}, axis={dim}[, keepdims={keepdim}])", layout: "reduce", axes: ["dim"] },
  { torch: ["torch.count_nonzero", "Tensor.count_nonzero"], sig: ["input", "dim=None"], mlx: "mx.count_nonzero({input}[, axis={dim}]).astype(mx.int32)", layout: "reduce", axes: ["dim"] },
  { torch: ["torch.norm", "Tensor.norm"], sig: ["input", "p='fro'", "dim=None", "keepdim=False", "dtype=None"], mlx: "{@ops_norm}({input}[, {p}][, dim={dim}][, keepdim={keepdim}][, dtype={dtype}])", layout: "reduce", axes: ["dim"], helpers: ["ops_norm"], note: "vector p-norms of the elements ('nuc' is not covered)" },
  { torch: ["torch.linalg.vector_norm"], sig: ["x", "ord=2", "dim=None", "keepdim=False", "dtype=None"], mlx: "{@ops_norm}({x}, {ord=2}[, dim={dim}][, keepdim={keepdim}][, dtype={dtype}])", layout: "reduce", axes: ["dim"], helpers: ["ops_norm"] },
  { torch: ["torch.cumsum", "Tensor.cumsum"], sig: ["input", "dim", "dtype=None"], mlx: "mx.cumsum({input}[.astype({dtype})], axis={dim})", layout: "axis", axes: ["dim"] },
  { torch: ["torch.cumprod", "Tensor.cumprod"], sig: ["input", "dim", "dtype=None"], mlx: "mx.cumprod({input}[.astype({dtype})], axis={dim})", layout: "axis", axes: ["dim"] },
  { torch: ["torch.diff", "Tensor.diff"], sig: ["input", "n=1", "dim=-1", "prepend=None", "append=None"], mlx: "mx.diff({input}[, {n}][, axis={dim}])", layout: "axis", axes: ["dim"], allowed: { prepend: ["None"], append: ["None"] } },
  { torch: ["torch.logcumsumexp", "Tensor.logcumsumexp"], sig: ["input", "dim"], mlx: "mx.logcumsumexp({input}, axis={dim})", layout: "axis", axes: ["dim"] },
  { torch: ["torch.sort", "Tensor.sort"], sig: ["input", "dim=-1", "descending=False", "stable=False"], mlx: "{@ops_sort}({input}[, {dim}][, descending={descending}])", layout: "axis", axes: ["dim"], helpers: ["ops_sort"], note: "(values, indices), as torch" },
  { torch: ["torch.argsort", "Tensor.argsort"], sig: ["input", "dim=-1", "descending=False", "stable=False"], mlx: "{@ops_argsort}({input}[, {dim}][, descending={descending}])", layout: "axis", axes: ["dim"], helpers: ["ops_argsort"] },
  { torch: ["torch.topk", "Tensor.topk"], sig: ["input", "k", "dim=-1", "largest=True", "sorted=True"], mlx: "{@ops_topk}({input}, {k}[, {dim}][, largest={largest}])", layout: "axis", axes: ["dim"], helpers: ["ops_topk"], note: "(values, indices), values sorted from the largest, as torch" },

  // ── indexing ────────────────────────────────────────────────────────────────────────────────────
  { torch: ["torch.gather", "Tensor.gather"], sig: ["input", "dim", "index", "sparse_grad=False"], mlx: "{@ops_gather}({input}, {dim}, {index})", layout: "axis", axes: ["dim"], helpers: ["ops_gather"] },
  { torch: ["torch.take_along_dim"], sig: ["input", "indices", "dim=None"], mlx: "mx.take_along_axis({input}, {indices}, axis={dim=None})", layout: "axis", axes: ["dim"], axisNoneFlattens: true },
  { torch: ["torch.take", "Tensor.take"], sig: ["input", "index"], mlx: "mx.take({input}, {index})", layout: "logical", note: "indexes the flattened tensor" },
  { torch: ["torch.index_select", "Tensor.index_select"], sig: ["input", "dim", "index"], mlx: "mx.take({input}, {index}, axis={dim})", layout: "axis", axes: ["dim"] },
  { torch: ["torch.searchsorted"], sig: ["sorted_sequence", "input", "out_int32=False", "right=False", "side=None", "sorter=None"], mlx: "mx.searchsorted({sorted_sequence}, {input}[, side={side}][, side=\"right\" if {right} else \"left\"]).astype(mx.int32)", layout: "logical", allowed: { sorter: ["None"] } },
  { torch: ["torch.bucketize"], sig: ["input", "boundaries", "out_int32=False", "right=False"], mlx: "mx.searchsorted({boundaries}, {input}[, side=\"right\" if {right} else \"left\"]).astype(mx.int32)", layout: "elementwise" },
  { torch: ["torch.scatter", "Tensor.scatter"], sig: ["input", "dim", "index", "src=None", "value=None", "reduce=None"], mlx: "{@ops_scatter}({input}, {dim}, {index}[, {src}][, value={value}])", layout: "axis", axes: ["dim"], helpers: ["ops_scatter"], allowed: { reduce: ["None"] }, note: "repeated indices: one of the writes wins, as torch" },
  { torch: ["torch.scatter_add", "Tensor.scatter_add"], sig: ["input", "dim", "index", "src"], mlx: "{@ops_scatter_add}({input}, {dim}, {index}, {src})", layout: "axis", axes: ["dim"], helpers: ["ops_scatter_add"] },
  { torch: ["torch.index_add", "Tensor.index_add"], sig: ["input", "dim", "index", "source", "alpha=1"], mlx: "{@ops_index_add}({input}, {dim}, {index}, {source}[, alpha={alpha}])", layout: "axis", axes: ["dim"], helpers: ["ops_index_add"] },

  // ── linear algebra ──────────────────────────────────────────────────────────────────────────────
  { torch: ["torch.matmul", "Tensor.matmul", "torch.mm", "Tensor.mm", "torch.bmm", "Tensor.bmm", "Tensor.__matmul__"], sig: ["input", "other"], mlx: "mx.matmul({input}, {other})", layout: "logical" },
  { torch: ["torch.einsum"], sig: ["equation", "*operands"], mlx: "mx.einsum({equation}, {*operands})", layout: "logical", note: "operands as separate arguments (a single list argument is not unpacked)" },
  { torch: ["torch.outer", "torch.ger", "Tensor.outer"], sig: ["input", "vec2"], mlx: "mx.outer({input}, {vec2})", layout: "logical" },
  { torch: ["torch.inner", "torch.dot", "Tensor.dot", "Tensor.inner"], sig: ["input", "other"], mlx: "mx.inner({input}, {other})", layout: "logical" },
  { torch: ["torch.kron"], sig: ["input", "other"], mlx: "mx.kron({input}, {other})", layout: "logical" },
  { torch: ["torch.baddbmm", "Tensor.baddbmm"], sig: ["input", "batch1", "batch2", "beta=1", "alpha=1"], mlx: "mx.addmm({input}, {batch1}, {batch2}[, alpha={alpha}][, beta={beta}])", layout: "logical" },
  { torch: ["torch.addmm", "Tensor.addmm"], sig: ["input", "mat1", "mat2", "beta=1", "alpha=1"], mlx: "mx.addmm({input}, {mat1}, {mat2}[, alpha={alpha}][, beta={beta}])", layout: "logical" },
  { torch: ["torch.cdist"], sig: ["x1", "x2", "p=2.0", "compute_mode=None"], mlx: "{@ops_cdist}({x1}, {x2}[, {p}])", layout: "logical", helpers: ["ops_cdist"] },
  { torch: [`${F}linear`], sig: ["input", "weight", "bias=None"], mlx: "mx.matmul({input}, {weight}.T)[ + {bias}]", layout: "logical" },

  // ── linear algebra MLX runs on the CPU stream only (the GPU has no kernels for them) ────────────────
  { torch: ["torch.linalg.inv", "torch.inverse", "Tensor.inverse"], sig: ["A"], mlx: "mx.linalg.inv({A}, stream=mx.cpu)", layout: "logical" },
  { torch: ["torch.linalg.pinv", "torch.pinverse", "Tensor.pinverse"], sig: ["A"], mlx: "mx.linalg.pinv({A}, stream=mx.cpu)", layout: "logical" },
  { torch: ["torch.linalg.solve"], sig: ["A", "B", "left=True"], mlx: "mx.linalg.solve({A}, {B}, stream=mx.cpu)", layout: "logical", allowed: { left: ["True"] } },
  { torch: ["torch.linalg.solve_triangular"], sig: ["A", "B", "upper", "left=True", "unitriangular=False"], mlx: "mx.linalg.solve_triangular({A}, {B}, upper={upper}, stream=mx.cpu)", layout: "logical", allowed: { left: ["True"], unitriangular: ["False"] } },
  { torch: ["torch.linalg.cholesky"], sig: ["A", "upper=False"], mlx: "mx.linalg.cholesky({A}[, upper={upper}], stream=mx.cpu)", layout: "logical" },
  { torch: ["torch.linalg.qr"], sig: ["A", "mode='reduced'"], mlx: "mx.linalg.qr({A}, stream=mx.cpu)", layout: "logical", allowed: { mode: ["'reduced'", '"reduced"'] } },
  { torch: ["torch.linalg.det", "torch.det", "Tensor.det"], sig: ["A"], mlx: "mx.linalg.det({A}, stream=mx.cpu)", layout: "logical" },
  { torch: ["torch.linalg.eigvalsh"], sig: ["A", "UPLO='L'"], mlx: "mx.linalg.eigvalsh({A}[, {UPLO}], stream=mx.cpu)", layout: "logical" },
  { torch: ["torch.linalg.svdvals"], sig: ["A", "driver=None"], mlx: "mx.linalg.svd({A}, compute_uv=False, stream=mx.cpu)", layout: "logical" },
  { torch: ["torch.linalg.cross"], sig: ["input", "other", "dim=-1"], mlx: "mx.linalg.cross({input}, {other}[, axis={dim}])", layout: "axis", axes: ["dim"] },

  // ── FFT (torch's norm=None is 'backward', MLX's default) ──────────────────────────────────────────
  { torch: ["torch.fft.fft"], sig: ["input", "n=None", "dim=-1", "norm=None"], mlx: "mx.fft.fft({input}[, n={n}][, axis={dim}][, norm={norm}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.ifft"], sig: ["input", "n=None", "dim=-1", "norm=None"], mlx: "mx.fft.ifft({input}[, n={n}][, axis={dim}][, norm={norm}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.rfft"], sig: ["input", "n=None", "dim=-1", "norm=None"], mlx: "mx.fft.rfft({input}[, n={n}][, axis={dim}][, norm={norm}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.irfft"], sig: ["input", "n=None", "dim=-1", "norm=None"], mlx: "mx.fft.irfft({input}[, n={n}][, axis={dim}][, norm={norm}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.fft2"], sig: ["input", "s=None", "dim=(-2, -1)", "norm=None"], mlx: "mx.fft.fft2({input}[, s={s}][, axes={dim}][, norm={norm}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.ifft2"], sig: ["input", "s=None", "dim=(-2, -1)", "norm=None"], mlx: "mx.fft.ifft2({input}[, s={s}][, axes={dim}][, norm={norm}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.rfft2"], sig: ["input", "s=None", "dim=(-2, -1)", "norm=None"], mlx: "mx.fft.rfft2({input}[, s={s}][, axes={dim}][, norm={norm}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.irfft2"], sig: ["input", "s=None", "dim=(-2, -1)", "norm=None"], mlx: "mx.fft.irfft2({input}[, s={s}][, axes={dim}][, norm={norm}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.fftshift"], sig: ["input", "dim=None"], mlx: "mx.fft.fftshift({input}[, axes={dim}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.ifftshift"], sig: ["input", "dim=None"], mlx: "mx.fft.ifftshift({input}[, axes={dim}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.fft.fftfreq"], sig: ["n", "d=1.0", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False"], mlx: "mx.fft.fftfreq({n}[, {d}])[.astype({dtype})]", layout: "source" },
  { torch: ["torch.fft.rfftfreq"], sig: ["n", "d=1.0", "out=None", "dtype=None", "layout=None", "device=None", "requires_grad=False"], mlx: "mx.fft.rfftfreq({n}[, {d}])[.astype({dtype})]", layout: "source" },

  // ── complex ─────────────────────────────────────────────────────────────────────────────────────
  { torch: ["torch.polar"], sig: ["abs", "angle"], mlx: "mx.multiply({abs}, mx.add(mx.cos({angle}), mx.multiply(1j, mx.sin({angle}))))", layout: "elementwise" },
  { torch: ["torch.complex"], sig: ["real", "imag"], mlx: "mx.add({real}, mx.multiply(1j, {imag}))", layout: "elementwise" },
  { torch: ["torch.view_as_real"], sig: ["input"], mlx: "mx.stack((mx.real({input}), mx.imag({input})), axis=-1)", layout: "logical", note: "a copy, not a view" },
  { torch: ["torch.view_as_complex"], sig: ["input"], mlx: "mx.add(mx.take({input}, 0, axis=-1), mx.multiply(1j, mx.take({input}, 1, axis=-1)))", layout: "logical", note: "a copy, not a view" },
  { torch: ["torch.real"], sig: ["input"], mlx: "mx.real({input})", layout: "elementwise" },
  { torch: ["torch.imag"], sig: ["input"], mlx: "mx.imag({input})", layout: "elementwise" },
  { torch: ["torch.conj", "Tensor.conj"], sig: ["input"], mlx: "mx.conj({input})", layout: "elementwise" },
  { torch: ["torch.angle", "Tensor.angle"], sig: ["input"], mlx: "mx.arctan2(mx.imag({input}), mx.real({input}))", layout: "elementwise", note: "complex inputs" },

  // ── activations ─────────────────────────────────────────────────────────────────────────────────
  { torch: ["torch.relu", "Tensor.relu", `${F}relu`], sig: ["input", "inplace=False"], mlx: "nn.relu({input})", layout: "elementwise", allowed: { inplace: ["False"] } },
  unary("sigmoid", "mx.sigmoid", [`${F}sigmoid`, "torch.special.expit"]),
  unary("tanh", "mx.tanh", [`${F}tanh`]),
  { torch: [`${F}relu6`], sig: ["input", "inplace=False"], mlx: "nn.relu6({input})", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}gelu`], sig: ["input", "approximate='none'"], mlx: "{@ops_gelu}({input}[, approximate={approximate}])", layout: "elementwise", helpers: ["ops_gelu"], note: "approximate='tanh' → nn.gelu_approx" },
  { torch: [`${F}silu`], sig: ["input", "inplace=False"], mlx: "nn.silu({input})", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}mish`], sig: ["input", "inplace=False"], mlx: "nn.mish({input})", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}softplus`], sig: ["input", "beta=1.0", "threshold=20.0"], mlx: "nn.softplus({input})", layout: "elementwise", allowed: { beta: ["1", "1.0"], threshold: ["20", "20.0"] } },
  { torch: [`${F}leaky_relu`], sig: ["input", "negative_slope=0.01", "inplace=False"], mlx: "nn.leaky_relu({input}[, negative_slope={negative_slope}])", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}elu`], sig: ["input", "alpha=1.0", "inplace=False"], mlx: "nn.elu({input}[, alpha={alpha}])", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}selu`, "torch.selu"], sig: ["input", "inplace=False"], mlx: "nn.selu({input})", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}celu`, "torch.celu"], sig: ["input", "alpha=1.0", "inplace=False"], mlx: "nn.celu({input}[, alpha={alpha}])", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}hardswish`], sig: ["input", "inplace=False"], mlx: "nn.hardswish({input})", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}hardsigmoid`], sig: ["input", "inplace=False"], mlx: "nn.relu6({input} + 3) / 6", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}hardtanh`], sig: ["input", "min_val=-1.0", "max_val=1.0", "inplace=False"], mlx: "mx.clip({input}, {min_val=-1.0}, {max_val=1.0})", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}prelu`], sig: ["input", "weight"], mlx: "{@ops_prelu}({input}, {weight})", layout: "logical", helpers: ["ops_prelu"], note: "one weight per channel on torch's axis 1" },
  { torch: [`${F}hardshrink`, "torch.hardshrink", "Tensor.hardshrink"], sig: ["input", "lambd=0.5"], mlx: "nn.hard_shrink({input}[, {lambd}])", layout: "elementwise" },
  { torch: [`${F}softshrink`], sig: ["input", "lambd=0.5"], mlx: "nn.softshrink({input}[, {lambd}])", layout: "elementwise" },
  { torch: [`${F}threshold`], sig: ["input", "threshold", "value", "inplace=False"], mlx: "mx.where(mx.greater({input}, {threshold}), {input}, {value})", layout: "elementwise", allowed: { inplace: ["False"] } },
  { torch: [`${F}logsigmoid`], sig: ["input"], mlx: "nn.log_sigmoid({input})", layout: "elementwise" },
  { torch: [`${F}softsign`], sig: ["input"], mlx: "nn.softsign({input})", layout: "elementwise" },
  { torch: [`${F}tanhshrink`], sig: ["input"], mlx: "mx.subtract({input}, mx.tanh({input}))", layout: "elementwise" },
  { torch: [`${F}glu`], sig: ["input", "dim=-1"], mlx: "nn.glu({input}[, axis={dim}])", layout: "axis", axes: ["dim"] },
  { torch: ["torch.softmax", "Tensor.softmax", `${F}softmax`], sig: ["input", "dim", "_stacklevel=3", "dtype=None"], mlx: "mx.softmax({input}[.astype({dtype})], axis={dim})", layout: "axis", axes: ["dim"], note: "dim is required (torch's implicit choice is deprecated)" },
  { torch: ["torch.log_softmax", "Tensor.log_softmax", `${F}log_softmax`], sig: ["input", "dim", "_stacklevel=3", "dtype=None"], mlx: "nn.log_softmax({input}[.astype({dtype})], axis={dim})", layout: "axis", axes: ["dim"] },
  { torch: [`${F}softmin`], sig: ["input", "dim", "_stacklevel=3", "dtype=None"], mlx: "mx.softmax(mx.negative({input}[.astype({dtype})]), axis={dim})", layout: "axis", axes: ["dim"] },
  { torch: [`${F}dropout`, `${F}dropout1d`, `${F}dropout2d`, `${F}dropout3d`, `${F}alpha_dropout`], sig: ["input", "p=0.5", "training=True", "inplace=False"], mlx: "{input}", layout: "elementwise", note: "inference port: dropout is the identity (training needs nn.Dropout)" },

  // ── normalisation, embedding, losses ────────────────────────────────────────────────────────────
  { torch: [`${F}layer_norm`], sig: ["input", "normalized_shape", "weight=None", "bias=None", "eps=1e-05"], mlx: "{@ops_layer_norm}({input}, {normalized_shape}, {weight=None}, {bias=None}, {eps=1e-05})", layout: "logical", helpers: ["ops_layer_norm"], note: "mx.fast.layer_norm over one axis, a helper over several" },
  { torch: [`${F}group_norm`], sig: ["input", "num_groups", "weight=None", "bias=None", "eps=1e-05"], mlx: "{@ops_group_norm}({input}, {num_groups}, {weight=None}, {bias=None}, {eps=1e-05})", layout: "logical", helpers: ["ops_group_norm"] },
  { torch: [`${F}rms_norm`], sig: ["input", "normalized_shape", "weight=None", "eps=None"], mlx: "{@ops_rms_norm}({input}, {normalized_shape}, {weight=None}[, eps={eps}])", layout: "logical", helpers: ["ops_rms_norm"] },
  { torch: [`${F}batch_norm`], sig: ["input", "running_mean", "running_var", "weight=None", "bias=None", "training=False", "momentum=0.1", "eps=1e-05"], mlx: "{@ops_batch_norm}({input}, {running_mean}, {running_var}, {weight=None}, {bias=None}[, eps={eps}])", layout: "logical", helpers: ["ops_batch_norm"], allowed: { training: ["False"] }, note: "eval mode: running statistics" },
  { torch: [`${F}normalize`], sig: ["input", "p=2.0", "dim=1", "eps=1e-12", "out=None"], mlx: "{@ops_normalize}({input}[, p={p}], dim={dim=1}[, eps={eps}])", layout: "axis", axes: ["dim"], helpers: ["ops_normalize"] },
  { torch: [`${F}cosine_similarity`, "torch.cosine_similarity"], sig: ["x1", "x2", "dim=1", "eps=1e-08"], mlx: "{@ops_cosine_similarity}({x1}, {x2}[, dim={dim}][, eps={eps}])", layout: "reduce", axes: ["dim"], helpers: ["ops_cosine_similarity"] },
  { torch: [`${F}embedding`], sig: ["input", "weight", "padding_idx=None", "max_norm=None", "norm_type=2.0", "scale_grad_by_freq=False", "sparse=False"], mlx: "mx.take({weight}, {input}, axis=0)", layout: "logical", allowed: { max_norm: ["None"] } },
  { torch: [`${F}one_hot`], sig: ["tensor", "num_classes=-1"], mlx: "{@ops_one_hot}({tensor}[, {num_classes}])", layout: "logical", helpers: ["ops_one_hot"], note: "int32 (torch: int64)" },
  { torch: [`${F}cross_entropy`], sig: ["input", "target", "weight=None", "size_average=None", "ignore_index=-100", "reduce=None", "reduction='mean'", "label_smoothing=0.0"], mlx: "{@ops_cross_entropy}({input}, {target}[, weight={weight}][, ignore_index={ignore_index}][, reduction={reduction}][, label_smoothing={label_smoothing}])", layout: "logical", helpers: ["ops_cross_entropy"], allowed: { size_average: ["None"], reduce: ["None"] } },
  { torch: [`${F}nll_loss`], sig: ["input", "target", "weight=None", "size_average=None", "ignore_index=-100", "reduce=None", "reduction='mean'"], mlx: "{@ops_nll_loss}({input}, {target}[, weight={weight}][, ignore_index={ignore_index}][, reduction={reduction}])", layout: "logical", helpers: ["ops_nll_loss"], allowed: { size_average: ["None"], reduce: ["None"] } },
  { torch: [`${F}kl_div`], sig: ["input", "target", "size_average=None", "reduce=None", "reduction='mean'", "log_target=False"], mlx: "{@ops_kl_div}({input}, {target}[, reduction={reduction}][, log_target={log_target}])", layout: "elementwise", helpers: ["ops_kl_div"], allowed: { size_average: ["None"], reduce: ["None"] } },
  { torch: [`${F}huber_loss`], sig: ["input", "target", "reduction='mean'", "delta=1.0", "weight=None"], mlx: "nn.losses.huber_loss({input}, {target}[, delta={delta}], reduction={reduction='mean'})", layout: "elementwise", allowed: { weight: ["None"] }, note: "MLX's huber_loss defaults to reduction='none'" },
  { torch: [`${F}mse_loss`], sig: ["input", "target", "size_average=None", "reduce=None", "reduction='mean'", "weight=None"], mlx: "nn.losses.mse_loss({input}, {target}[, reduction={reduction}])", layout: "elementwise", allowed: { size_average: ["None"], reduce: ["None"], weight: ["None"] } },
  { torch: [`${F}l1_loss`], sig: ["input", "target", "size_average=None", "reduce=None", "reduction='mean'"], mlx: "nn.losses.l1_loss({input}, {target}[, reduction={reduction}])", layout: "elementwise", allowed: { size_average: ["None"], reduce: ["None"] } },
  { torch: [`${F}smooth_l1_loss`], sig: ["input", "target", "size_average=None", "reduce=None", "reduction='mean'", "beta=1.0"], mlx: "nn.losses.smooth_l1_loss({input}, {target}[, beta={beta}][, reduction={reduction}])", layout: "elementwise", allowed: { size_average: ["None"], reduce: ["None"] } },
  { torch: [`${F}binary_cross_entropy`], sig: ["input", "target", "weight=None", "size_average=None", "reduce=None", "reduction='mean'"], mlx: "nn.losses.binary_cross_entropy({input}, {target}[, weights={weight}], with_logits=False[, reduction={reduction}])", layout: "elementwise", allowed: { size_average: ["None"], reduce: ["None"] } },
  { torch: [`${F}binary_cross_entropy_with_logits`], sig: ["input", "target", "weight=None", "size_average=None", "reduce=None", "reduction='mean'", "pos_weight=None"], mlx: "nn.losses.binary_cross_entropy({input}, {target}[, weights={weight}][, reduction={reduction}])", layout: "elementwise", allowed: { size_average: ["None"], reduce: ["None"], pos_weight: ["None"] } },
  {
    torch: [`${F}scaled_dot_product_attention`],
    sig: ["query", "key", "value", "attn_mask=None", "dropout_p=0.0", "is_causal=False", "scale=None", "enable_gqa=False"],
    mlx: "{@ops_scaled_dot_product_attention}({query}, {key}, {value}[, attn_mask={attn_mask}][, is_causal={is_causal}][, scale={scale}])",
    layout: "logical",
    helpers: ["ops_scaled_dot_product_attention"],
    allowed: { dropout_p: ["0.0", "0"] },
    note: "mx.fast.scaled_dot_product_attention; is_causal → mask='causal' when L == S; K/V may have fewer heads",
  },

  // ── padding, convolution, pooling, resampling ───────────────────────────────────────────────────
  { torch: [`${F}pad`], sig: ["input", "pad", "mode='constant'", "value=None"], mlx: "{@ops_pad}({input}, {pad}[, mode={mode}][, value={value}])", layout: "logical", helpers: ["ops_pad"], note: "constant, reflect, replicate, circular" },
  { torch: [`${F}conv1d`], sig: ["input", "weight", "bias=None", "stride=1", "padding=0", "dilation=1", "groups=1"], mlx: "{@ops_conv}({input}, {weight}, {bias=None}[, stride={stride}][, padding={padding}][, dilation={dilation}][, groups={groups}])", layout: "channels_last", rank: 3, helpers: ["ops_conv"], note: "weight in torch layout, moved at run time" },
  { torch: [`${F}conv2d`], sig: ["input", "weight", "bias=None", "stride=1", "padding=0", "dilation=1", "groups=1"], mlx: "{@ops_conv}({input}, {weight}, {bias=None}[, stride={stride}][, padding={padding}][, dilation={dilation}][, groups={groups}])", layout: "channels_last", rank: 4, helpers: ["ops_conv"], note: "weight in torch layout, moved at run time" },
  { torch: [`${F}conv3d`], sig: ["input", "weight", "bias=None", "stride=1", "padding=0", "dilation=1", "groups=1"], mlx: "{@ops_conv}({input}, {weight}, {bias=None}[, stride={stride}][, padding={padding}][, dilation={dilation}][, groups={groups}])", layout: "channels_last", rank: 5, helpers: ["ops_conv"], note: "weight in torch layout, moved at run time" },
  { torch: [`${F}max_pool1d`], sig: ["input", "kernel_size", "stride=None", "padding=0", "dilation=1", "ceil_mode=False", "return_indices=False"], mlx: "nn.MaxPool1d({kernel_size}[, stride={stride}][, padding={padding}])({input})", layout: "channels_last", rank: 3, allowed: { dilation: ["1"], ceil_mode: ["False"], return_indices: ["False"] } },
  { torch: [`${F}max_pool2d`], sig: ["input", "kernel_size", "stride=None", "padding=0", "dilation=1", "ceil_mode=False", "return_indices=False"], mlx: "nn.MaxPool2d({kernel_size}[, stride={stride}][, padding={padding}])({input})", layout: "channels_last", rank: 4, allowed: { dilation: ["1"], ceil_mode: ["False"], return_indices: ["False"] } },
  { torch: [`${F}avg_pool1d`], sig: ["input", "kernel_size", "stride=None", "padding=0", "ceil_mode=False", "count_include_pad=True"], mlx: "nn.AvgPool1d({kernel_size}[, stride={stride}][, padding={padding}])({input})", layout: "channels_last", rank: 3, allowed: { ceil_mode: ["False"], count_include_pad: ["True"] } },
  { torch: [`${F}avg_pool2d`], sig: ["input", "kernel_size", "stride=None", "padding=0", "ceil_mode=False", "count_include_pad=True", "divisor_override=None"], mlx: "nn.AvgPool2d({kernel_size}[, stride={stride}][, padding={padding}])({input})", layout: "channels_last", rank: 4, allowed: { ceil_mode: ["False"], count_include_pad: ["True"], divisor_override: ["None"] } },
  { torch: [`${F}pixel_shuffle`, "torch.pixel_shuffle"], sig: ["input", "upscale_factor"], mlx: "{@ops_pixel_shuffle}({input}, {upscale_factor})", layout: "channels_last", rank: 4, helpers: ["ops_pixel_shuffle"] },
  { torch: [`${F}pixel_unshuffle`, "torch.pixel_unshuffle"], sig: ["input", "downscale_factor"], mlx: "{@ops_pixel_unshuffle}({input}, {downscale_factor})", layout: "channels_last", rank: 4, helpers: ["ops_pixel_unshuffle"] },
  { torch: [`${F}adaptive_avg_pool1d`], sig: ["input", "output_size"], mlx: "{@ops_adaptive_avg_pool}({input}, {output_size})", layout: "channels_last", rank: 3, helpers: ["ops_adaptive_avg_pool"] },
  { torch: [`${F}adaptive_avg_pool2d`], sig: ["input", "output_size"], mlx: "{@ops_adaptive_avg_pool}({input}, {output_size})", layout: "channels_last", rank: 4, helpers: ["ops_adaptive_avg_pool"] },
  { torch: [`${F}adaptive_avg_pool3d`], sig: ["input", "output_size"], mlx: "{@ops_adaptive_avg_pool}({input}, {output_size})", layout: "channels_last", rank: 5, helpers: ["ops_adaptive_avg_pool"] },
  { torch: [`${F}adaptive_max_pool1d`], sig: ["input", "output_size", "return_indices=False"], mlx: "{@ops_adaptive_max_pool}({input}, {output_size})", layout: "channels_last", rank: 3, helpers: ["ops_adaptive_max_pool"], allowed: { return_indices: ["False"] } },
  { torch: [`${F}adaptive_max_pool2d`], sig: ["input", "output_size", "return_indices=False"], mlx: "{@ops_adaptive_max_pool}({input}, {output_size})", layout: "channels_last", rank: 4, helpers: ["ops_adaptive_max_pool"], allowed: { return_indices: ["False"] } },
  { torch: [`${F}max_pool3d`], sig: ["input", "kernel_size", "stride=None", "padding=0", "dilation=1", "ceil_mode=False", "return_indices=False"], mlx: "nn.MaxPool3d({kernel_size}[, stride={stride}][, padding={padding}])({input})", layout: "channels_last", rank: 5, allowed: { dilation: ["1"], ceil_mode: ["False"], return_indices: ["False"] } },
  { torch: [`${F}avg_pool3d`], sig: ["input", "kernel_size", "stride=None", "padding=0", "ceil_mode=False", "count_include_pad=True", "divisor_override=None"], mlx: "nn.AvgPool3d({kernel_size}[, stride={stride}][, padding={padding}])({input})", layout: "channels_last", rank: 5, allowed: { ceil_mode: ["False"], count_include_pad: ["True"], divisor_override: ["None"] } },
  { torch: [`${F}conv_transpose1d`], sig: ["input", "weight", "bias=None", "stride=1", "padding=0", "output_padding=0", "groups=1", "dilation=1"], mlx: "{@ops_conv_transpose}({input}, {weight}, {bias=None}[, stride={stride}][, padding={padding}][, output_padding={output_padding}][, groups={groups}][, dilation={dilation}])", layout: "channels_last", rank: 3, helpers: ["ops_conv_transpose"], note: "weight in torch layout, regrouped at run time" },
  { torch: [`${F}conv_transpose2d`], sig: ["input", "weight", "bias=None", "stride=1", "padding=0", "output_padding=0", "groups=1", "dilation=1"], mlx: "{@ops_conv_transpose}({input}, {weight}, {bias=None}[, stride={stride}][, padding={padding}][, output_padding={output_padding}][, groups={groups}][, dilation={dilation}])", layout: "channels_last", rank: 4, helpers: ["ops_conv_transpose"], note: "weight in torch layout, regrouped at run time" },
  { torch: [`${F}interpolate`, `${F}upsample`], sig: ["input", "size=None", "scale_factor=None", "mode='nearest'", "align_corners=None", "recompute_scale_factor=None", "antialias=False"], mlx: "{@ops_interpolate}({input}[, size={size}][, scale_factor={scale_factor}][, mode={mode}][, align_corners={align_corners}][, recompute_scale_factor={recompute_scale_factor}])", layout: "channels_last", rank: 4, helpers: ["ops_interpolate"], allowed: { antialias: ["False"] }, note: "nearest, nearest-exact, bilinear (rank 4 in the table; the helper takes any rank)" },

  // ── in-place methods with no out-of-place twin in this table (translated as `x = ...`, C2M-W004) ──
  { torch: ["Tensor.normal_"], sig: ["self", "mean=0", "std=1", "generator=None"], mlx: "mx.random.normal({self}.shape, {self}.dtype, {mean=0}, {std=1})", layout: "elementwise", inplace: true, allowed: { generator: ["None"] }, note: "initialisation code: fresh samples of the same shape" },
  { torch: ["Tensor.uniform_"], sig: ["self", "from=0", "to=1", "generator=None"], mlx: "mx.random.uniform({from=0}, {to=1}, {self}.shape, {self}.dtype)", layout: "elementwise", inplace: true, allowed: { generator: ["None"] } },
  { torch: ["Tensor.requires_grad_"], sig: ["self", "requires_grad=True"], mlx: "{self}", layout: "elementwise", inplace: true, note: "dropped: MLX differentiates functions, not tensors" },
  { torch: ["Tensor.zero_"], sig: ["self"], mlx: "mx.zeros_like({self})", layout: "elementwise", inplace: true },
  { torch: ["Tensor.fill_"], sig: ["self", "value"], mlx: "mx.full_like({self}, {value})", layout: "elementwise", inplace: true },
  { torch: ["Tensor.copy_"], sig: ["self", "src", "non_blocking=False"], mlx: "mx.broadcast_to({src}, {self}.shape).astype({self}.dtype)", layout: "logical", inplace: true },
];

/** In-place methods: each is its out-of-place row (named by the key) translated as `x = <template>`. */
const IN_PLACE_TWINS: Record<string, string[]> = {
  "torch.add": ["Tensor.add_"],
  "torch.sub": ["Tensor.sub_"],
  "torch.mul": ["Tensor.mul_"],
  "torch.div": ["Tensor.div_"],
  "torch.pow": ["Tensor.pow_"],
  "torch.clamp": ["Tensor.clamp_"],
  "torch.clamp_min": ["Tensor.clamp_min_"],
  "torch.masked_fill": ["Tensor.masked_fill_"],
  "torch.relu": ["Tensor.relu_", "torch.relu_"],
  "torch.sigmoid": ["Tensor.sigmoid_"],
  "torch.tanh": ["Tensor.tanh_"],
  "torch.exp": ["Tensor.exp_"],
  "torch.sqrt": ["Tensor.sqrt_"],
  "torch.abs": ["Tensor.abs_"],
  "torch.neg": ["Tensor.neg_"],
  "torch.floor": ["Tensor.floor_"],
  "torch.lerp": ["Tensor.lerp_"],
  "torch.addcmul": ["Tensor.addcmul_"],
  "torch.addcdiv": ["Tensor.addcdiv_"],
  "torch.scatter": ["Tensor.scatter_"],
  "torch.scatter_add": ["Tensor.scatter_add_"],
  "torch.index_add": ["Tensor.index_add_"],
  // causal masks built in place: torch.ones(n, n).triu_(1)
  "torch.triu": ["Tensor.triu_"],
  "torch.tril": ["Tensor.tril_"],
};

function rowNamed(name: string): OpRow {
  const row = BASE_ROWS.find((r) => r.torch.includes(name));
  if (!row) throw new Error(`ops table: no row for ${name}`);
  return row;
}

export const OPS: OpRow[] = [...BASE_ROWS, ...Object.entries(IN_PLACE_TWINS).map(([name, twins]) => inplace(rowNamed(name), twins))];
