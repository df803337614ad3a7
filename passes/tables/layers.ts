/**
 * torch.nn layers → MLX: one row per torch class (the template language is in ir/tables.ts).
 * Every constructor here was checked against MLX 0.32's sources (mlx/nn/layers/*.py), and every
 * row that computes something is checked numerically against torch by test/layers.test.ts.
 */
import type { LayerMapping } from "../../ir/tables.js";
import {
  TRUE,
  FALSE,
  helperWeights,
  conv,
  convTranspose,
  batchNorm,
  instanceNorm,
  maxPool,
  avgPool,
  adaptivePool,
  pad,
  act,
  loss,
  INPLACE,
  INPLACE_NOTE,
  type LayerRow,
} from "./layer-rows.js";

export type { LayerRow } from "./layer-rows.js";

export const LAYERS: LayerRow[] = [
  // ── linear ──────────────────────────────────────────────────────────────────────────────
  {
    torch: "torch.nn.Linear",
    sig: ["in_features", "out_features", "bias=True"],
    mlx: "nn.Linear({in_features}, {out_features}[, bias={bias}])",
    layout: "logical",
  },
  {
    torch: "torch.nn.Bilinear",
    sig: ["in1_features", "in2_features", "out_features", "bias=True"],
    mlx: "nn.Bilinear({in1_features}, {in2_features}, {out_features}[, bias={bias}])",
    layout: "logical",
    // torch (out, in1, in2), MLX (out, in2, in1): moving axis 1 to the end is the "conv" op
    weights: [{ torch: "weight", mlx: "weight", op: "conv" }],
    note: "called with two inputs; weight's last two axes swap (the conv op does it)",
  },
  // ── losses: the functional form with the constructor's settings (transformers: loss_fct = CrossEntropyLoss()) ──
  loss(
    "CrossEntropyLoss",
    ["weight=None", "size_average=None", "ignore_index=-100", "reduce=None", "reduction='mean'", "label_smoothing=0.0"],
    "{@ops_cross_entropy}[, weight={weight}][, ignore_index={ignore_index}][, reduction={reduction}][, label_smoothing={label_smoothing}]",
    ["ops_cross_entropy"],
  ),
  loss(
    "NLLLoss",
    ["weight=None", "size_average=None", "ignore_index=-100", "reduce=None", "reduction='mean'"],
    "{@ops_nll_loss}[, weight={weight}][, ignore_index={ignore_index}][, reduction={reduction}]",
    ["ops_nll_loss"],
  ),
  loss("MSELoss", ["size_average=None", "reduce=None", "reduction='mean'"], "nn.losses.mse_loss[, reduction={reduction}]"),
  loss("L1Loss", ["size_average=None", "reduce=None", "reduction='mean'"], "nn.losses.l1_loss[, reduction={reduction}]"),
  loss("SmoothL1Loss", ["size_average=None", "reduce=None", "reduction='mean'", "beta=1.0"], "nn.losses.smooth_l1_loss[, reduction={reduction}][, beta={beta}]"),
  loss(
    "BCEWithLogitsLoss",
    ["weight=None", "size_average=None", "reduce=None", "reduction='mean'", "pos_weight=None"],
    "nn.losses.binary_cross_entropy[, weights={weight}][, reduction={reduction}]",
    [],
    { pos_weight: ["None"] },
  ),
  {
    torch: "torch.nn.Identity",
    sig: ["*args", "**kwargs"],
    mlx: "nn.Identity()",
    layout: "elementwise",
  },

  // ── convolution ─────────────────────────────────────────────────────────────────────────
  conv(1),
  conv(2),
  conv(3),
  convTranspose(1),
  convTranspose(2),
  convTranspose(3),

  // ── normalisation ───────────────────────────────────────────────────────────────────────
  batchNorm(1),
  batchNorm(2),
  batchNorm(3),
  {
    torch: "torch.nn.LayerNorm",
    sig: ["normalized_shape", "eps=1e-05", "elementwise_affine=True", "bias=True"],
    mlx: "nn.LayerNorm({normalized_shape}[, eps={eps}][, affine={elementwise_affine}][, bias={bias}])",
    layout: "logical",
    scalarize: ["normalized_shape"],
    note: "normalises the last axis only: normalized_shape must be an int or a 1-tuple (unwrapped)",
  },
  {
    torch: "torch.nn.GroupNorm",
    sig: ["num_groups", "num_channels", "eps=1e-05", "affine=True", "bias=True"],
    mlx: "nn.GroupNorm({num_groups}, {num_channels}[, eps={eps}][, affine={affine}], pytorch_compatible=True)",
    layout: "channels_last",
    rank: 4,
    ranks: [2, 3, 4, 5],
    allowed: { bias: TRUE },
    note: "pytorch_compatible=True gives torch's grouping of channels",
  },
  instanceNorm(1),
  instanceNorm(2),
  instanceNorm(3),
  {
    torch: "torch.nn.RMSNorm",
    sig: ["normalized_shape", "eps=None", "elementwise_affine=True"],
    // torch's eps=None means finfo(input dtype).eps: float32's is written out
    mlx: "nn.RMSNorm({normalized_shape}, eps={eps=1.1920928955078125e-07})",
    layout: "logical",
    scalarize: ["normalized_shape"],
    allowed: { elementwise_affine: TRUE },
    note: "eps=None (torch: the input dtype's machine epsilon) becomes float32's 1.19e-07; an explicit eps=None must be replaced",
  },

  // ── embedding ───────────────────────────────────────────────────────────────────────────
  {
    torch: "torch.nn.Embedding",
    sig: ["num_embeddings", "embedding_dim", "padding_idx=None", "max_norm=None", "norm_type=2.0", "scale_grad_by_freq=False", "sparse=False", "_weight=None", "_freeze=False"],
    mlx: "nn.Embedding({num_embeddings}, {embedding_dim})",
    layout: "logical",
    allowed: { max_norm: ["None"], _weight: ["None"] },
    note: "padding_idx only affects training (its row gets no gradient); the loaded weights are the same",
  },

  // ── dropout (identity in eval) ──────────────────────────────────────────────────────────
  act("Dropout", ["p=0.5", ...INPLACE], "nn.Dropout([p={p}])", { note: INPLACE_NOTE }),
  {
    torch: "torch.nn.Dropout1d",
    sig: ["p=0.5", ...INPLACE],
    mlx: "{@Dropout1d}([p={p}])",
    layout: "channels_last",
    rank: 3,
    helpers: ["Dropout1d"],
    note: "drops whole channels; nn.Dropout2d would read (N, L, C) as one unbatched image",
  },
  {
    torch: "torch.nn.Dropout2d",
    sig: ["p=0.5", ...INPLACE],
    mlx: "nn.Dropout2d([p={p}])",
    layout: "channels_last",
    rank: 4,
    note: "drops whole channels of (N, H, W, C); identity in eval",
  },
  {
    torch: "torch.nn.Dropout3d",
    sig: ["p=0.5", ...INPLACE],
    mlx: "nn.Dropout3d([p={p}])",
    layout: "channels_last",
    rank: 5,
    note: "drops whole channels of (N, D, H, W, C); identity in eval",
  },
  act("AlphaDropout", ["p=0.5", ...INPLACE], "{@AlphaDropout}([p={p}])", { helpers: ["AlphaDropout"] }),

  // ── activations ─────────────────────────────────────────────────────────────────────────
  act("ReLU", INPLACE, "nn.ReLU()", { note: INPLACE_NOTE }),
  act("ReLU6", INPLACE, "nn.ReLU6()"),
  act("GELU", ["approximate='none'"], "nn.GELU([approx={approximate}])", {
    note: "MLX takes 'none' (erf) and 'tanh' (alias of 'precise'), the same formulas as torch",
  }),
  act("SiLU", INPLACE, "nn.SiLU()"),
  act("Mish", INPLACE, "nn.Mish()"),
  act("LeakyReLU", ["negative_slope=0.01", ...INPLACE], "nn.LeakyReLU([negative_slope={negative_slope}])"),
  act("ELU", ["alpha=1.0", ...INPLACE], "nn.ELU([alpha={alpha}])"),
  act("SELU", INPLACE, "nn.SELU()", { note: "MLX rounds SELU's constants (1.0507, 1.67326): differences up to ~6e-6" }),
  act("CELU", ["alpha=1.0", ...INPLACE], "nn.CELU([alpha={alpha}])"),
  act("Sigmoid", [], "nn.Sigmoid()"),
  act("Tanh", [], "nn.Tanh()"),
  act("Softsign", [], "nn.Softsign()"),
  act("LogSigmoid", [], "nn.LogSigmoid()"),
  act("Hardswish", INPLACE, "nn.Hardswish()"),
  act("Hardsigmoid", INPLACE, "{@Hardsigmoid}()", { helpers: ["Hardsigmoid"] }),
  act("Hardtanh", ["min_val=-1.0", "max_val=1.0", ...INPLACE], "{@Hardtanh}([min_val={min_val}][, max_val={max_val}])", {
    helpers: ["Hardtanh"],
    note: "nn.HardTanh has fixed bounds",
  }),
  act("Hardshrink", ["lambd=0.5"], "nn.HardShrink([lambd={lambd}])"),
  act("Softshrink", ["lambd=0.5"], "nn.Softshrink([lambd={lambd}])"),
  act("Softplus", ["beta=1.0", "threshold=20.0"], "nn.Softplus()", {
    allowed: { beta: ["1", "1.0"], threshold: ["20", "20.0"] },
    note: "nn.Softplus takes no arguments (beta 1; above threshold 20 both equal x in float32)",
  }),
  act("Tanhshrink", [], "{@Tanhshrink}()", { helpers: ["Tanhshrink"] }),
  act("Threshold", ["threshold", "value", ...INPLACE], "{@Threshold}({threshold}, {value})", { helpers: ["Threshold"] }),
  {
    torch: "torch.nn.PReLU",
    sig: ["num_parameters=1", "init=0.25"],
    mlx: "nn.PReLU([num_parameters={num_parameters}][, init={init}])",
    layout: "channels_last",
    rank: 4,
    ranks: [2, 3, 4, 5],
    note: "with num_parameters > 1 the weight broadcasts over the channel axis, which MLX needs last; with 1 it is elementwise",
  },
  {
    torch: "torch.nn.Softmax",
    sig: ["dim=None"],
    mlx: "{@Softmax}([{dim}])",
    layout: "axis",
    axes: ["dim"],
    helpers: ["Softmax"],
    note: "nn.Softmax has no axis argument; dim=None is torch's deprecated implicit dim (logical order only)",
  },
  {
    torch: "torch.nn.LogSoftmax",
    sig: ["dim=None"],
    mlx: "{@LogSoftmax}([{dim}])",
    layout: "axis",
    axes: ["dim"],
    helpers: ["LogSoftmax"],
    note: "nn.LogSoftmax has no axis argument",
  },
  {
    torch: "torch.nn.Softmin",
    sig: ["dim=None"],
    mlx: "{@Softmin}([{dim}])",
    layout: "axis",
    axes: ["dim"],
    helpers: ["Softmin"],
    note: "nn.Softmin has no axis argument",
  },
  {
    torch: "torch.nn.GLU",
    sig: ["dim=-1"],
    mlx: "nn.GLU([axis={dim}])",
    layout: "axis",
    axes: ["dim"],
  },
  {
    torch: "torch.nn.CosineSimilarity",
    sig: ["dim=1", "eps=1e-08"],
    mlx: "{@CosineSimilarity}([dim={dim}][, eps={eps}])",
    layout: "reduce",
    axes: ["dim"],
    helpers: ["CosineSimilarity"],
    note: "called with two inputs; the dim axis is reduced away",
  },

  // ── pooling ─────────────────────────────────────────────────────────────────────────────
  maxPool(1),
  maxPool(2),
  maxPool(3),
  avgPool(1),
  avgPool(2),
  avgPool(3),
  adaptivePool("Avg", 1),
  adaptivePool("Avg", 2),
  adaptivePool("Avg", 3),
  adaptivePool("Max", 1),
  adaptivePool("Max", 2),
  adaptivePool("Max", 3),

  // ── resampling and reshaping ────────────────────────────────────────────────────────────
  {
    torch: "torch.nn.Upsample",
    sig: ["size=None", "scale_factor=None", "mode='nearest'", "align_corners=None", "recompute_scale_factor=None"],
    mlx: "{@Upsample}([size={size}][, scale_factor={scale_factor}][, mode={mode}][, align_corners={align_corners}][, recompute_scale_factor={recompute_scale_factor}])",
    layout: "channels_last",
    rank: 4,
    ranks: [3, 4, 5],
    allowed: { mode: ["'nearest'", '"nearest"', "'linear'", '"linear"', "'bilinear'", '"bilinear"', "'trilinear'", '"trilinear"', "'bicubic'", '"bicubic"'] },
    helpers: ["Upsample"],
    note: 'helper, not nn.Upsample: that takes no size, names modes differently (linear/cubic) and samples other pixels than torch for non-integer scales; for an integer scale_factor nn.Upsample(scale_factor=s, mode="nearest"|"linear"|"cubic", align_corners=...) is equivalent',
  },
  {
    torch: "torch.nn.UpsamplingNearest2d",
    sig: ["size=None", "scale_factor=None"],
    mlx: '{@Upsample}([size={size}][, scale_factor={scale_factor}], mode="nearest")',
    layout: "channels_last",
    rank: 4,
    helpers: ["Upsample"],
  },
  {
    torch: "torch.nn.UpsamplingBilinear2d",
    sig: ["size=None", "scale_factor=None"],
    mlx: '{@Upsample}([size={size}][, scale_factor={scale_factor}], mode="bilinear", align_corners=True)',
    layout: "channels_last",
    rank: 4,
    helpers: ["Upsample"],
  },
  {
    torch: "torch.nn.Unfold",
    sig: ["kernel_size", "dilation=1", "padding=0", "stride=1"],
    mlx: "{@Unfold}({kernel_size}[, dilation={dilation}][, padding={padding}][, stride={stride}])",
    layout: "logical",
    helpers: ["Unfold"],
    note: "im2col on (N, C, H, W) in torch's order: (N, C * kh * kw, L)",
  },
  {
    torch: "torch.nn.Fold",
    sig: ["output_size", "kernel_size", "dilation=1", "padding=0", "stride=1"],
    mlx: "{@Fold}({output_size}, {kernel_size}[, dilation={dilation}][, padding={padding}][, stride={stride}])",
    layout: "logical",
    helpers: ["Fold"],
    note: "col2im: overlapping blocks summed",
  },
  {
    torch: "torch.nn.PixelShuffle",
    sig: ["upscale_factor"],
    mlx: "{@PixelShuffle}({upscale_factor})",
    layout: "channels_last",
    rank: 4,
    helpers: ["PixelShuffle"],
  },
  {
    torch: "torch.nn.PixelUnshuffle",
    sig: ["downscale_factor"],
    mlx: "{@PixelUnshuffle}({downscale_factor})",
    layout: "channels_last",
    rank: 4,
    helpers: ["PixelUnshuffle"],
  },
  {
    torch: "torch.nn.Flatten",
    sig: ["start_dim=1", "end_dim=-1"],
    mlx: "{@Flatten}([start_dim={start_dim}][, end_dim={end_dim}])",
    layout: "logical",
    helpers: ["Flatten"],
    note: "after a channels-last conv, either transpose first or permute the next Linear's columns (linear_nhwc)",
  },
  {
    torch: "torch.nn.Unflatten",
    sig: ["dim", "unflattened_size"],
    mlx: "{@Unflatten}({dim}, {unflattened_size})",
    layout: "logical",
    helpers: ["Unflatten"],
  },

  // ── padding ─────────────────────────────────────────────────────────────────────────────
  pad("Zero", 1),
  pad("Zero", 2),
  pad("Zero", 3),
  pad("Constant", 1),
  pad("Constant", 2),
  pad("Constant", 3),
  pad("Reflection", 1),
  pad("Reflection", 2),
  pad("Reflection", 3),
  pad("Replication", 1),
  pad("Replication", 2),
  pad("Replication", 3),

  // ── attention and transformers ──────────────────────────────────────────────────────────
  {
    torch: "torch.nn.MultiheadAttention",
    sig: ["embed_dim", "num_heads", "dropout=0.0", "bias=True", "add_bias_kv=False", "add_zero_attn=False", "kdim=None", "vdim=None", "batch_first=False"],
    mlx: "{@MultiheadAttention}({embed_dim}, {num_heads}[, dropout={dropout}][, bias={bias}][, kdim={kdim}][, vdim={vdim}][, batch_first={batch_first}])",
    layout: "logical",
    allowed: { add_bias_kv: FALSE, add_zero_attn: FALSE },
    helpers: ["MultiheadAttention"],
    weights: helperWeights("MultiheadAttention"),
    returns: "tuple",
    note: "returns (output, None): attention weights are not computed (need_weights is ignored); no dropout on attention weights",
  },
  {
    torch: "torch.nn.TransformerEncoderLayer",
    sig: ["d_model", "nhead", "dim_feedforward=2048", "dropout=0.1", "activation='relu'", "layer_norm_eps=1e-05", "batch_first=False", "norm_first=False", "bias=True"],
    mlx: "{@TransformerEncoderLayer}({d_model}, {nhead}[, dim_feedforward={dim_feedforward}][, dropout={dropout}][, activation={activation}][, layer_norm_eps={layer_norm_eps}][, batch_first={batch_first}][, norm_first={norm_first}][, bias={bias}])",
    layout: "logical",
    helpers: ["TransformerEncoderLayer"],
    weights: helperWeights("TransformerEncoderLayer"),
    note: "activation: 'relu', 'gelu' or a callable (F.gelu must itself be translated, to nn.gelu)",
  },
  {
    torch: "torch.nn.TransformerEncoder",
    sig: ["encoder_layer", "num_layers", "norm=None", "enable_nested_tensor=True", "mask_check=True"],
    mlx: "{@TransformerEncoder}({encoder_layer}, {num_layers}[, norm={norm}])",
    layout: "logical",
    helpers: ["TransformerEncoder"],
    weights: helperWeights("TransformerEncoder"),
    note: "encoder_layer must be the TransformerEncoderLayer helper (it is cloned); torch's eval fast path zeroes padded positions, this does not",
  },
  {
    torch: "torch.nn.TransformerDecoderLayer",
    sig: ["d_model", "nhead", "dim_feedforward=2048", "dropout=0.1", "activation='relu'", "layer_norm_eps=1e-05", "batch_first=False", "norm_first=False", "bias=True"],
    mlx: "{@TransformerDecoderLayer}({d_model}, {nhead}[, dim_feedforward={dim_feedforward}][, dropout={dropout}][, activation={activation}][, layer_norm_eps={layer_norm_eps}][, batch_first={batch_first}][, norm_first={norm_first}][, bias={bias}])",
    layout: "logical",
    helpers: ["TransformerDecoderLayer"],
    weights: helperWeights("TransformerDecoderLayer"),
    note: "called as (tgt, memory, ...)",
  },
  {
    torch: "torch.nn.TransformerDecoder",
    sig: ["decoder_layer", "num_layers", "norm=None"],
    mlx: "{@TransformerDecoder}({decoder_layer}, {num_layers}[, norm={norm}])",
    layout: "logical",
    helpers: ["TransformerDecoder"],
    weights: helperWeights("TransformerDecoder"),
    note: "decoder_layer must be the TransformerDecoderLayer helper (it is cloned)",
  },

  {
    torch: "torch.nn.Transformer",
    sig: [
      "d_model=512",
      "nhead=8",
      "num_encoder_layers=6",
      "num_decoder_layers=6",
      "dim_feedforward=2048",
      "dropout=0.1",
      "activation='relu'",
      "custom_encoder=None",
      "custom_decoder=None",
      "layer_norm_eps=1e-05",
      "batch_first=False",
      "norm_first=False",
      "bias=True",
    ],
    mlx: "{@Transformer}([d_model={d_model}][, nhead={nhead}][, num_encoder_layers={num_encoder_layers}][, num_decoder_layers={num_decoder_layers}][, dim_feedforward={dim_feedforward}][, dropout={dropout}][, activation={activation}][, layer_norm_eps={layer_norm_eps}][, batch_first={batch_first}][, norm_first={norm_first}][, bias={bias}])",
    layout: "logical",
    allowed: { custom_encoder: ["None"], custom_decoder: ["None"] },
    helpers: ["Transformer"],
    weights: helperWeights("Transformer"),
    note: "called as (src, tgt, ...)",
  },

  // ── recurrent ───────────────────────────────────────────────────────────────────────────
  {
    torch: "torch.nn.LSTM",
    sig: ["input_size", "hidden_size", "num_layers=1", "bias=True", "batch_first=False", "dropout=0.0", "bidirectional=False", "proj_size=0"],
    mlx: "{@LSTM}({input_size}, {hidden_size}[, num_layers={num_layers}][, bias={bias}][, batch_first={batch_first}][, dropout={dropout}][, bidirectional={bidirectional}])",
    layout: "logical",
    allowed: { proj_size: ["0"] },
    helpers: ["LSTM"],
    weights: helperWeights("LSTM"),
    returns: "tuple",
    note: "returns (output, (h_n, c_n)); built on nn.LSTM per layer and direction",
  },
  {
    torch: "torch.nn.GRU",
    sig: ["input_size", "hidden_size", "num_layers=1", "bias=True", "batch_first=False", "dropout=0.0", "bidirectional=False"],
    mlx: "{@GRU}({input_size}, {hidden_size}[, num_layers={num_layers}][, bias={bias}][, batch_first={batch_first}][, dropout={dropout}][, bidirectional={bidirectional}])",
    layout: "logical",
    helpers: ["GRU"],
    returns: "tuple",
    note: "returns (output, h_n); parameters keep torch's names",
  },
  {
    torch: "torch.nn.RNN",
    sig: ["input_size", "hidden_size", "num_layers=1", "nonlinearity='tanh'", "bias=True", "batch_first=False", "dropout=0.0", "bidirectional=False"],
    mlx: "{@RNN}({input_size}, {hidden_size}[, num_layers={num_layers}][, nonlinearity={nonlinearity}][, bias={bias}][, batch_first={batch_first}][, dropout={dropout}][, bidirectional={bidirectional}])",
    layout: "logical",
    helpers: ["RNN"],
    returns: "tuple",
    note: "returns (output, h_n); parameters keep torch's names",
  },

  {
    torch: "torch.nn.LSTMCell",
    sig: ["input_size", "hidden_size", "bias=True"],
    mlx: "{@LSTMCell}({input_size}, {hidden_size}[, bias={bias}])",
    layout: "logical",
    helpers: ["LSTMCell"],
    returns: "tuple",
    note: "returns (h, c); parameters keep torch's names",
  },
  {
    torch: "torch.nn.GRUCell",
    sig: ["input_size", "hidden_size", "bias=True"],
    mlx: "{@GRUCell}({input_size}, {hidden_size}[, bias={bias}])",
    layout: "logical",
    helpers: ["GRUCell"],
    note: "parameters keep torch's names",
  },
  {
    torch: "torch.nn.RNNCell",
    sig: ["input_size", "hidden_size", "bias=True", "nonlinearity='tanh'"],
    mlx: "{@RNNCell}({input_size}, {hidden_size}[, bias={bias}][, nonlinearity={nonlinearity}])",
    layout: "logical",
    helpers: ["RNNCell"],
    note: "parameters keep torch's names",
  },

  // ── containers (the translator handles these itself) ────────────────────────────────────
  {
    torch: "torch.nn.Sequential",
    sig: ["*args"],
    mlx: "nn.Sequential({*args})",
    layout: "elementwise",
    container: true,
    note: "container: children are stored under `layers`, torch's `0.weight` is MLX's `layers.0.weight`; an OrderedDict argument is not supported",
  },
  {
    torch: "torch.nn.ModuleList",
    sig: ["modules=None"],
    mlx: "list({modules=()})",
    layout: "elementwise",
    container: true,
    note: "container: a plain list, which MLX walks for parameters (same keys as torch)",
  },
  {
    torch: "torch.nn.ModuleDict",
    sig: ["modules=None"],
    mlx: "dict({modules=()})",
    layout: "elementwise",
    container: true,
    note: "container: a plain dict, which MLX walks for parameters (same keys as torch)",
  },
];

/**
 * Whether argument text `text` is one of the values `ok` MLX honours: one of them, or a tuple / list literal of them,
 * as torch takes a per-axis form wherever it takes an int (`dilation=(1, 1)` for `dilation=1`).
 */
export function allowedArgument(text: string, ok: readonly string[]): boolean {
  if (ok.includes(text)) return true;
  const items = /^[([]\s*(.*?)\s*,?\s*[)\]]$/s.exec(text)?.[1];
  return !!items && items.split(",").every((item) => isNumberText(item.trim()) && ok.includes(item.trim()));
}

/** The run-time negation of allowedArgument for parameter `param` (the stand-in of a layer class passed as a value). */
export function refusedCheck(param: string, ok: readonly string[]): string {
  const values = `(${ok.join(", ")},)`;
  if (!ok.every(isNumberText)) return `${param} not in ${values}`;
  return `not all(v in ${values} for v in (${param} if isinstance(${param}, (tuple, list)) else (${param},)))`;
}

const isNumberText = (t: string): boolean => /^-?\d+(\.\d*)?$/.test(t);

/**
 * The template and restrictions that apply to one construction of `row`, given the text of each argument
 * the call binds (`textOf(param)`): the row's own, or its `general` template where the call asks for
 * something MLX's layer cannot do (`ceil_mode=True`, `padding='same'`).
 */
export function templateFor(row: LayerMapping, textOf: (param: string) => string | undefined): { mlx: string; allowed: Record<string, string[]> } {
  const allowed = row.allowed ?? {};
  const g = row.general;
  if (!g) return { mlx: row.mlx, allowed };
  const outside = g.handles.some((p) => {
    const t = textOf(p);
    return t !== undefined && !allowedArgument(t, allowed[p] ?? []);
  });
  const literal = (g.strings ?? []).some((p) => /^[rbu]?["']/i.test(textOf(p) ?? ""));
  if (!outside && !literal) return { mlx: row.mlx, allowed };
  return { mlx: g.mlx, allowed: Object.fromEntries(Object.entries(allowed).filter(([p]) => !g.handles.includes(p))) };
}

/** The row for a fully qualified torch class name ("torch.nn.Conv2d"), if any. */
export function layerFor(torchName: string): LayerRow | undefined {
  return LAYER_INDEX.get(torchName);
}

const LAYER_INDEX = new Map(LAYERS.map((row) => [row.torch, row]));
