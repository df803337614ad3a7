/** The layer table's row type and the functions that write its families of rows (conv1d/2d/3d, pooling, activations…); the rows are in ./layers.ts. */
import type { LayerMapping } from "../../ir/tables.js";
import { HELPERS } from "../../cookbook/helpers/registry.js";

/**
 * A row of this table. The extra fields are proposals for LayerMapping (ir/tables.ts); a reader that
 * knows only LayerMapping can ignore them and still emit correct code for the common case.
 */
export interface LayerRow extends LayerMapping {
  /** parameters holding axis numbers (Softmax's dim...), remapped like OpMapping.axes */
  axes?: string[];
  /** rank-dependent layers: every input rank accepted; `rank` is the usual one */
  ranks?: number[];
  /** torch's layer also takes an unbatched input, of rank `rank - 1` (the padding layers: (C, *spatial)) */
  unbatched?: boolean;
  /** parameters written as a 1-tuple in torch that MLX wants as an int: `(64,)` → `64` */
  scalarize?: string[];
  /** Sequential/ModuleList/ModuleDict: the translator handles these itself */
  container?: boolean;
}

const ZEROS_PADDING = { padding_mode: ["'zeros'", '"zeros"'] };
export const TRUE = ["True"];
export const FALSE = ["False"];
const NUM_BATCHES_TRACKED = { torch: "num_batches_tracked", mlx: null, op: "drop" as const };
export const helperWeights = (name: string) => HELPERS[name]!.weights;

export function conv(d: 1 | 2 | 3): LayerRow {
  const groups = d === 3 ? "" : "[, groups={groups}]";
  return {
    torch: `torch.nn.Conv${d}d`,
    sig: ["in_channels", "out_channels", "kernel_size", "stride=1", "padding=0", "dilation=1", "groups=1", "bias=True", "padding_mode='zeros'"],
    mlx: `nn.Conv${d}d({in_channels}, {out_channels}, {kernel_size}[, stride={stride}][, padding={padding}][, dilation={dilation}]${groups}[, bias={bias}])`,
    layout: "channels_last",
    rank: d + 2,
    // nn.Conv3d has no groups argument (and MLX's 3-d convolution takes groups=1 only): the helper convolves group by group
    allowed: d === 3 ? { ...ZEROS_PADDING, groups: ["1"] } : ZEROS_PADDING,
    weights: [{ torch: "weight", mlx: "weight", op: "conv" }],
    tupled: ["kernel_size", "stride", "padding", "dilation"],
    general: {
      mlx: `{@ConvTorch}({in_channels}, {out_channels}, {kernel_size}[, stride={stride}][, padding={padding}][, dilation={dilation}][, groups={groups}][, bias={bias}][, padding_mode={padding_mode}], dims=${d})`,
      handles: d === 3 ? ["padding_mode", "groups"] : ["padding_mode"],
      strings: ["padding"],
    },
    note:
      "padding='same'/'valid' and padding_mode reflect/replicate/circular" +
      (d === 3 ? ", and groups other than 1" : "") +
      ": the ConvTorch helper pads, then convolves (same weights)",
  };
}

export function convTranspose(d: 1 | 2 | 3): LayerRow {
  return {
    torch: `torch.nn.ConvTranspose${d}d`,
    sig: ["in_channels", "out_channels", "kernel_size", "stride=1", "padding=0", "output_padding=0", "groups=1", "bias=True", "dilation=1", "padding_mode='zeros'"],
    mlx: `nn.ConvTranspose${d}d({in_channels}, {out_channels}, {kernel_size}[, stride={stride}][, padding={padding}][, output_padding={output_padding}][, dilation={dilation}][, bias={bias}])`,
    layout: "channels_last",
    rank: d + 2,
    allowed: { ...ZEROS_PADDING, groups: ["1"] },
    weights: [{ torch: "weight", mlx: "weight", op: "conv_transpose" }],
    tupled: ["kernel_size", "stride", "padding", "output_padding", "dilation"],
    note: "MLX's argument order differs (dilation before output_padding): rendered as keywords",
  };
}

export function batchNorm(d: 1 | 2 | 3): LayerRow {
  return {
    torch: `torch.nn.BatchNorm${d}d`,
    sig: ["num_features", "eps=1e-05", "momentum=0.1", "affine=True", "track_running_stats=True", "bias=True"],
    // nn.BatchNorm takes 2- to 4-d input; the 3d helper folds one spatial axis
    mlx: `${d === 3 ? "{@BatchNorm3d}" : "nn.BatchNorm"}({num_features}[, eps={eps}][, momentum={momentum}][, affine={affine}][, track_running_stats={track_running_stats}])`,
    layout: "channels_last",
    rank: d + 2,
    ...(d === 1 ? { ranks: [2, 3] } : {}),
    ...(d === 3 ? { helpers: ["BatchNorm3d"] } : {}),
    allowed: { bias: TRUE },
    weights: [NUM_BATCHES_TRACKED],
    note:
      d === 1
        ? "input (N, C) needs no layout change, (N, C, L) is held as (N, L, C); momentum=None (cumulative average) only works in eval"
        : "momentum=None (cumulative average) only works in eval",
  };
}

export function instanceNorm(d: 1 | 2 | 3): LayerRow {
  return {
    torch: `torch.nn.InstanceNorm${d}d`,
    sig: ["num_features", "eps=1e-05", "momentum=0.1", "affine=False", "track_running_stats=False", "bias=True"],
    mlx: "nn.InstanceNorm({num_features}[, eps={eps}][, affine={affine}])",
    layout: "channels_last",
    rank: d + 2,
    allowed: { track_running_stats: FALSE, bias: TRUE },
    // StarGAN's generator: in eval torch normalises with the running statistics, which MLX's InstanceNorm has not
    general: {
      mlx: `{@InstanceNormTracked}({num_features}[, eps={eps}][, momentum={momentum}][, affine={affine}][, track_running_stats={track_running_stats}], dims=${d})`,
      handles: ["track_running_stats"],
    },
    weights: [NUM_BATCHES_TRACKED],
    note: "affine defaults to False in both; MLX needs a batch axis (rank >= 3); track_running_stats=True: the InstanceNormTracked helper",
  };
}

export function maxPool(d: 1 | 2 | 3): LayerRow {
  return {
    torch: `torch.nn.MaxPool${d}d`,
    sig: ["kernel_size", "stride=None", "padding=0", "dilation=1", "return_indices=False", "ceil_mode=False"],
    mlx: `nn.MaxPool${d}d({kernel_size}[, stride={stride}][, padding={padding}])`,
    layout: "channels_last",
    rank: d + 2,
    allowed: { dilation: ["1"], return_indices: FALSE, ceil_mode: FALSE },
    general: { mlx: `{@MaxPoolTorch}({kernel_size}[, stride={stride}][, padding={padding}][, ceil_mode={ceil_mode}], dims=${d})`, handles: ["ceil_mode"] },
    note: "ceil_mode=True: the MaxPoolTorch helper pads the last partial window with -inf; dilation has no MLX form",
  };
}

export function avgPool(d: 1 | 2 | 3): LayerRow {
  const sig = ["kernel_size", "stride=None", "padding=0", "ceil_mode=False", "count_include_pad=True"];
  return {
    torch: `torch.nn.AvgPool${d}d`,
    sig: d === 1 ? sig : [...sig, "divisor_override=None"],
    mlx: `nn.AvgPool${d}d({kernel_size}[, stride={stride}][, padding={padding}])`,
    layout: "channels_last",
    rank: d + 2,
    // MLX pads with zeros and divides by the full window: torch's count_include_pad=True
    allowed: d === 1 ? { ceil_mode: FALSE, count_include_pad: TRUE } : { ceil_mode: FALSE, count_include_pad: TRUE, divisor_override: ["None"] },
    general: {
      mlx: `{@AvgPoolTorch}({kernel_size}[, stride={stride}][, padding={padding}][, ceil_mode={ceil_mode}][, count_include_pad={count_include_pad}], dims=${d})`,
      handles: ["ceil_mode", "count_include_pad"],
    },
    note: "ceil_mode=True or count_include_pad=False: the AvgPoolTorch helper divides each window by the cells torch counts",
  };
}

export function adaptivePool(kind: "Avg" | "Max", d: 1 | 2 | 3): LayerRow {
  const name = `Adaptive${kind}Pool${d}d`;
  return {
    torch: `torch.nn.${name}`,
    sig: kind === "Max" ? ["output_size", "return_indices=False"] : ["output_size"],
    mlx: `{@${name}}({output_size})`,
    layout: "channels_last",
    rank: d + 2,
    ...(kind === "Max" ? { allowed: { return_indices: FALSE } } : {}),
    helpers: [name],
  };
}

export function pad(kind: "Zero" | "Constant" | "Reflection" | "Replication", d: 1 | 2 | 3): LayerRow {
  const helper = kind === "Zero" || kind === "Constant" ? "ConstantPad" : `${kind}Pad`;
  const value = kind === "Zero" ? "0.0, " : kind === "Constant" ? "{value}, " : "";
  return {
    torch: `torch.nn.${kind}Pad${d}d`,
    sig: kind === "Constant" ? ["padding", "value"] : ["padding"],
    mlx: `{@${helper}}({padding}, ${value}${d})`,
    layout: "channels_last",
    rank: d + 2,
    unbatched: true,
    helpers: [helper],
    note: "torch's padding tuple (left, right, top, bottom, ...) is kept; the helper applies it to channels-last axes",
  };
}

/** An activation (or other shape-preserving layer) whose MLX class takes the same arguments. */
export function act(name: string, sig: string[], mlx: string, extra: Partial<LayerRow> = {}): LayerRow {
  return { torch: `torch.nn.${name}`, sig, mlx, layout: "elementwise", ...extra };
}

/**
 * A loss module: FunctionalLoss calls the functional form (`fn`, a template piece whose optional
 * keyword settings follow it) on (input, target) in torch's layout. size_average/reduce are long deprecated.
 */
export function loss(name: string, sig: string[], fn: string, helpers: string[] = [], allowed: Record<string, string[]> = {}): LayerRow {
  return {
    torch: `torch.nn.${name}`,
    sig,
    mlx: `{@FunctionalLoss}(${fn})`,
    layout: "logical",
    helpers: ["FunctionalLoss", ...helpers],
    allowed: { size_average: ["None"], reduce: ["None"], ...allowed },
  };
}

export const INPLACE = ["inplace=False"];
export const INPLACE_NOTE = "inplace is dropped (MLX has no in-place ops)";
