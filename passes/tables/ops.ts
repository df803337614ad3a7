/**
 * torch / torch.nn.functional / Tensor-method → MLX op table (data; see ir/tables.ts for the template
 * language). Every row is checked numerically against torch by test/ops.test.ts. The rows live in one file per
 * kind of op (ops-shape.ts, ops-sources.ts, ops-math.ts, ops-linalg.ts, ops-nn.ts, in that order in OPS); this file
 * holds the helpers' list, the unsupported ops and the in-place twins.
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
import { inplace, type OpRow } from "./op-rows.js";
import { SHAPE_ROWS } from "./ops-shape.js";
import { SOURCE_ROWS } from "./ops-sources.js";
import { MATH_ROWS } from "./ops-math.js";
import { LINALG_ROWS } from "./ops-linalg.js";
import { NN_ROWS } from "./ops-nn.js";
import { nameTable } from "../../ir/tables.js";

export type { OpRow } from "./op-rows.js";
/** Helpers used by this table: name → file (the function in the file has the helper's name). */
export const OP_HELPERS: Record<string, { file: string; kind: "function" }> = nameTable(
  Object.fromEntries(
    [
      "ops_size",
      "ops_ntuple",
      "ops_expand",
      "ops_split",
      "ops_chunk",
      "ops_narrow",
      "ops_squeeze",
      "ops_tensor_split",
      "ops_im2col",
      "ops_col2im",
      "ops_select",
      "ops_to",
      "ops_randn",
      "ops_rand",
      "ops_randint",
      "ops_gelu",
      "ops_device",
      "ops_var",
      "ops_std",
      "ops_max",
      "ops_min",
      "ops_topk",
      "ops_sort",
      "ops_argsort",
      "ops_norm",
      "ops_normalize",
      "ops_gather",
      "ops_one_hot",
      "ops_cross_entropy",
      "ops_nll_loss",
      "ops_scaled_dot_product_attention",
      "ops_multi_head_attention_forward",
      "ops_pad",
      "ops_interpolate",
      "ops_adaptive_avg_pool",
      "ops_adaptive_max_pool",
      "ops_conv",
      "ops_layer_norm",
      "ops_linear",
      "ops_group_norm",
      "ops_batch_norm",
      "ops_cosine_similarity",
      "ops_pixel_shuffle",
      "ops_scatter",
      "ops_scatter_add",
      "ops_index_add",
      "ops_median",
      "ops_histc",
      "ops_rms_norm",
      "ops_conv_transpose",
      "ops_cdist",
      "ops_prelu",
      "ops_kl_div",
      "ops_unfold",
      "ops_multinomial",
      "ops_hstack",
      "ops_std_mean",
      "ops_var_mean",
      "ops_pixel_unshuffle",
      "ops_legacy_tensor",
      "ops_unique",
      "ops_cat",
    ].map((name) => [name, { file: `cookbook/helpers/${name}.py`, kind: "function" as const }]),
  ),
);

/** torch callables with no faithful MLX translation: the translator reports them (C2M-E/W) with the reason. */
export const UNSUPPORTED_OPS: { torch: string[]; reason: string }[] = [
  {
    torch: ["torch.masked_select", "Tensor.masked_select"],
    reason: "the result's shape depends on the data; MLX needs shapes known before evaluation. Use mx.where with a fill value instead.",
  },
  { torch: ["torch.nonzero", "Tensor.nonzero", "torch.argwhere", "Tensor.argwhere"], reason: "the result's shape depends on the data; MLX needs shapes known before evaluation." },
  { torch: ["torch.bincount", "Tensor.bincount"], reason: "the result's length depends on the data (max + 1)." },
  { torch: ["torch.unique_consecutive"], reason: "the result's shape depends on the data (mx.unique needs a fixed `size`)." },
  { torch: ["Tensor.double"], reason: "float64 is not available on the GPU in MLX (CPU stream only)." },
  {
    torch: ["Tensor.data_ptr", "Tensor.storage", "Tensor.untyped_storage", "Tensor.pin_memory", "Tensor.share_memory_"],
    reason: "MLX arrays expose no storage or memory placement.",
  },
  {
    torch: ["torch.lgamma", "Tensor.lgamma", "torch.digamma", "Tensor.digamma", "torch.polygamma", "torch.mvlgamma", "torch.special.gammaln", "torch.special.digamma"],
    reason: "MLX has no gamma-family functions.",
  },
  { torch: ["Tensor.backward", "torch.autograd.grad"], reason: "MLX computes gradients with mx.grad / nn.value_and_grad over a function, not from a tensor." },
];
/** The out-of-place rows (by kind, one file each), and in-place methods that have no out-of-place twin. */
const BASE_ROWS: OpRow[] = [
  ...SHAPE_ROWS,
  ...SOURCE_ROWS,
  ...MATH_ROWS,
  ...LINALG_ROWS,
  ...NN_ROWS,
  // ── in-place methods with no out-of-place twin in this table (translated as `x = ...`, C2M-W004) ──
  {
    torch: ["Tensor.normal_"],
    sig: ["self", "mean=0", "std=1", "generator=None"],
    mlx: "mx.random.normal({self}.shape, {self}.dtype, {mean=0}, {std=1})",
    layout: "elementwise",
    inplace: true,
    allowed: { generator: ["None"] },
    note: "initialisation code: fresh samples of the same shape",
  },
  {
    torch: ["Tensor.uniform_"],
    sig: ["self", "from=0", "to=1", "generator=None"],
    mlx: "mx.random.uniform({from=0}, {to=1}, {self}.shape, {self}.dtype)",
    layout: "elementwise",
    inplace: true,
    allowed: { generator: ["None"] },
  },
  {
    torch: ["Tensor.requires_grad_"],
    sig: ["self", "requires_grad=True"],
    mlx: "{self}",
    layout: "elementwise",
    inplace: true,
    note: "dropped: MLX differentiates functions, not tensors",
  },
  {
    torch: ["Tensor.bernoulli_"],
    sig: ["self", "p=0.5", "generator=None"],
    mlx: "mx.random.bernoulli({p=0.5}, {self}.shape).astype({self}.dtype)",
    layout: "elementwise",
    inplace: true,
    allowed: { generator: ["None"] },
    note: "fills with draws of probability p (stochastic depth's keep mask)",
  },
  { torch: ["Tensor.zero_"], sig: ["self"], mlx: "mx.zeros_like({self})", layout: "elementwise", inplace: true },
  { torch: ["Tensor.fill_"], sig: ["self", "value"], mlx: "mx.full_like({self}, {value})", layout: "elementwise", inplace: true },
  { torch: ["Tensor.copy_"], sig: ["self", "src", "non_blocking=False"], mlx: "mx.broadcast_to({src}, {self}.shape).astype({self}.dtype)", layout: "logical", inplace: true },
];

/** In-place methods: each is its out-of-place row (named by the key) translated as `x = <template>`. */
const IN_PLACE_TWINS: Record<string, string[]> = nameTable({
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
  "torch.ceil": ["Tensor.ceil_"],
  "torch.round": ["Tensor.round_"],
  "torch.clamp_max": ["Tensor.clamp_max_"],
  "torch.lerp": ["Tensor.lerp_"],
  "torch.addcmul": ["Tensor.addcmul_"],
  "torch.addcdiv": ["Tensor.addcdiv_"],
  "torch.scatter": ["Tensor.scatter_"],
  "torch.scatter_add": ["Tensor.scatter_add_"],
  "torch.index_add": ["Tensor.index_add_"],
  // causal masks built in place: torch.ones(n, n).triu_(1)
  "torch.triu": ["Tensor.triu_"],
  "torch.tril": ["Tensor.tril_"],
  // initialisation code (timm's trunc_normal_: uniform_, erfinv_, mul_, add_, clamp_) and stochastic depth
  "torch.erfinv": ["Tensor.erfinv_"],
  "Tensor.detach": ["Tensor.detach_"],
});

function rowNamed(name: string): OpRow {
  const row = BASE_ROWS.find((r) => r.torch.includes(name));
  if (!row) throw new Error(`ops table: no row for ${name}`);
  return row;
}

export const OPS: OpRow[] = [...BASE_ROWS, ...Object.entries(IN_PLACE_TWINS).map(([name, twins]) => inplace(rowNamed(name), twins))];
