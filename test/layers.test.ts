/**
 * Every row of passes/tables/layers.ts is checked against torch: the torch layer (seeded random
 * parameters) and the MLX layer rendered from the row's template, weights converted by the row's
 * rules, same inputs (channels-last where the row says so), outputs within 1e-5 (fp32).
 * One Python process (test/py/layers_check.py) runs every case.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { LAYERS, layerFor, templateFor, type LayerRow } from "../passes/tables/layers.js";
import { bindArgs, renderTemplate, splitArgs, templateHelpers, templateHoles, parseSig } from "../passes/tables/template.js";
import { HELPERS, helperClosure } from "../cookbook/helpers/registry.js";
import { packageRoot, pythonExecutable } from "../src/python.js";
import { applyWeightMap } from "../src/weights/map.js";
import type { Tensor } from "../src/weights/tensor.js";
import type { WeightRule } from "../ir/weights.js";

const TOLERANCE = 1e-5;

/** An input: a shape (float32 normal), or a spec. */
type Input = number[] | { shape: number[]; kind?: "float" | "int" | "causal" | "padmask"; high?: number; scale?: number; logical?: boolean };

interface Case {
  /** torch.nn class name */
  layer: string;
  /** the constructor's arguments, as Python text (nested `nn.X(...)` are translated through their own rows) */
  args: string;
  inputs: Input[];
  /** the call's arguments over in0, in1, ...; default: every input, positionally */
  call?: string;
  /** max abs diff allowed where TOLERANCE is too tight for the layer's fp32 arithmetic (the brief's default is 1e-4) */
  tolerance?: number;
}

const X4 = [2, 3, 4, 5];
const A = (layer: string, args = "", scale = 3): Case => ({ layer, args, inputs: [{ shape: X4, scale }] });

const CASES: Case[] = [
  { layer: "Linear", args: "8, 5", inputs: [[3, 8]] },
  { layer: "Linear", args: "8, 5, bias=False", inputs: [[2, 4, 8]] },
  {
    layer: "Bilinear",
    args: "4, 6, 5",
    inputs: [
      [3, 4],
      [3, 6],
    ],
  },
  { layer: "Identity", args: "54, unused=True", inputs: [[2, 3]] },
  { layer: "CrossEntropyLoss", args: "", inputs: [[4, 5], { shape: [4], kind: "int", high: 5 }] },
  { layer: "CrossEntropyLoss", args: "ignore_index=2, label_smoothing=0.1", inputs: [[2, 5, 3], { shape: [2, 3], kind: "int", high: 5 }] },
  { layer: "NLLLoss", args: "reduction='sum'", inputs: [[4, 5], { shape: [4], kind: "int", high: 5 }] },
  {
    layer: "MSELoss",
    args: "",
    inputs: [
      [3, 4],
      [3, 4],
    ],
  },
  {
    layer: "L1Loss",
    args: "reduction='none'",
    inputs: [
      [3, 4],
      [3, 4],
    ],
  },
  { layer: "SmoothL1Loss", args: "beta=0.5", inputs: [[3, 4], { shape: [3, 4], scale: 2 }] },
  {
    layer: "BCEWithLogitsLoss",
    args: "",
    inputs: [
      [3, 4],
      [3, 4],
    ],
  },
  { layer: "Conv1d", args: "3, 6, 3, stride=2, padding=1", inputs: [[2, 3, 11]] },
  { layer: "Conv1d", args: "4, 8, 3, groups=2, dilation=2", inputs: [[2, 4, 12]] },
  { layer: "Conv2d", args: "3, 8, 3, padding=1", inputs: [[2, 3, 9, 9]] },
  { layer: "Conv2d", args: "4, 8, (3, 2), stride=(2, 1), groups=4, bias=False", inputs: [[1, 4, 8, 7]] },
  { layer: "Conv3d", args: "2, 4, 3, padding=1", inputs: [[1, 2, 5, 6, 5]] },
  // what MLX's convolutions cannot do: the ConvTorch helper pads first (row.general)
  { layer: "Conv2d", args: "3, 8, 4, padding='same', dilation=2", inputs: [[2, 3, 9, 8]] },
  { layer: "Conv1d", args: "4, 6, 3, padding='valid', groups=2", inputs: [[2, 4, 10]] },
  { layer: "Conv2d", args: "3, 4, 3, stride=2, padding=1, padding_mode='reflect'", inputs: [[2, 3, 9, 9]] },
  { layer: "Conv2d", args: "3, 4, (3, 5), padding=(1, 2), padding_mode='circular', bias=False", inputs: [[1, 3, 6, 7]] },
  { layer: "Conv3d", args: "2, 4, 3, padding=1, padding_mode='replicate'", inputs: [[1, 2, 4, 5, 4]] },
  { layer: "ConvTranspose1d", args: "4, 3, 4, stride=2, padding=1", inputs: [[2, 4, 7]] },
  { layer: "ConvTranspose2d", args: "4, 3, 3, stride=2, padding=1, output_padding=1", inputs: [[2, 4, 5, 5]] },
  { layer: "ConvTranspose2d", args: "2, 3, 3, dilation=2, bias=False", inputs: [[1, 2, 4, 5]] },
  { layer: "ConvTranspose3d", args: "2, 3, 3, stride=2", inputs: [[1, 2, 3, 4, 3]] },
  { layer: "BatchNorm1d", args: "6", inputs: [[4, 6]] },
  { layer: "BatchNorm1d", args: "6, eps=1e-3", inputs: [[4, 6, 5]] },
  { layer: "BatchNorm2d", args: "6", inputs: [[2, 6, 4, 4]] },
  { layer: "BatchNorm3d", args: "3, affine=False", inputs: [[2, 3, 3, 4, 2]] },
  { layer: "LayerNorm", args: "8", inputs: [[2, 5, 8]] },
  { layer: "LayerNorm", args: "(8,), eps=1e-6, elementwise_affine=False", inputs: [[2, 5, 8]] },
  { layer: "LayerNorm", args: "8, bias=False", inputs: [[3, 8]] },
  { layer: "GroupNorm", args: "2, 6", inputs: [[2, 6, 4, 4]] },
  { layer: "GroupNorm", args: "3, 6, eps=1e-3", inputs: [[2, 6, 7]] },
  { layer: "InstanceNorm1d", args: "4", inputs: [[2, 4, 9]] },
  { layer: "InstanceNorm2d", args: "4, affine=True", inputs: [[2, 4, 5, 5]] },
  { layer: "InstanceNorm3d", args: "3", inputs: [[1, 3, 3, 4, 5]] },
  { layer: "RMSNorm", args: "8", inputs: [[2, 3, 8]] },
  { layer: "RMSNorm", args: "[8], eps=1e-5", inputs: [[2, 3, 8]] },
  { layer: "Embedding", args: "10, 6", inputs: [{ shape: [2, 5], kind: "int", high: 10 }] },
  { layer: "Embedding", args: "10, 6, padding_idx=0", inputs: [{ shape: [3], kind: "int", high: 10 }] },
  { layer: "Dropout", args: "0.3", inputs: [[2, 5]] },
  { layer: "Dropout1d", args: "p=0.2", inputs: [[2, 4, 6]] },
  { layer: "Dropout2d", args: "", inputs: [[2, 3, 4, 4]] },
  { layer: "Dropout3d", args: "0.1", inputs: [[1, 2, 3, 3, 3]] },
  { layer: "AlphaDropout", args: "0.2", inputs: [[3, 4]] },
  A("ReLU", "inplace=True"),
  A("ReLU6", "", 5),
  A("GELU"),
  A("GELU", "approximate='tanh'"),
  A("SiLU"),
  A("Mish"),
  A("LeakyReLU", "0.2"),
  A("ELU", "alpha=0.5"),
  A("SELU"),
  A("CELU", "1.5"),
  A("Sigmoid"),
  A("Tanh"),
  A("Softsign"),
  A("LogSigmoid"),
  A("Hardswish"),
  A("Hardsigmoid"),
  A("Hardtanh"),
  A("Hardtanh", "-0.5, 2.0"),
  A("Hardshrink", "0.3"),
  A("Softshrink", "lambd=0.7"),
  A("Softplus", "", 10),
  A("Tanhshrink"),
  A("Threshold", "0.1, -2.0"),
  { layer: "PReLU", args: "", inputs: [[2, 5]] },
  { layer: "PReLU", args: "num_parameters=4, init=0.1", inputs: [[2, 4, 5, 5]] },
  { layer: "PReLU", args: "3", inputs: [[2, 3]] },
  { layer: "Softmax", args: "dim=1", inputs: [[2, 3, 4]] },
  { layer: "Softmax", args: "-1", inputs: [[2, 3, 4]] },
  { layer: "Softmax", args: "", inputs: [[2, 3, 4, 5]] },
  { layer: "LogSoftmax", args: "1", inputs: [[2, 3, 4]] },
  { layer: "Softmin", args: "dim=2", inputs: [[2, 3, 4]] },
  { layer: "GLU", args: "", inputs: [[3, 8]] },
  { layer: "GLU", args: "dim=1", inputs: [[2, 6, 3]] },
  {
    layer: "CosineSimilarity",
    args: "",
    inputs: [
      [3, 6],
      [3, 6],
    ],
  },
  {
    layer: "CosineSimilarity",
    args: "dim=2, eps=1e-6",
    inputs: [
      [2, 3, 5],
      [2, 3, 5],
    ],
  },
  { layer: "MaxPool1d", args: "3, stride=2, padding=1", inputs: [[2, 3, 10]] },
  { layer: "MaxPool2d", args: "2", inputs: [[2, 3, 8, 8]] },
  { layer: "MaxPool2d", args: "3, stride=2, padding=1", inputs: [[1, 2, 9, 9]] },
  { layer: "MaxPool3d", args: "2", inputs: [[1, 2, 4, 4, 4]] },
  { layer: "AvgPool1d", args: "3, stride=2", inputs: [[2, 3, 11]] },
  { layer: "AvgPool2d", args: "3, stride=2, padding=1", inputs: [[1, 2, 9, 9]] },
  { layer: "AvgPool2d", args: "2", inputs: [[2, 3, 8, 6]] },
  { layer: "AvgPool3d", args: "2, stride=1", inputs: [[1, 2, 4, 4, 4]] },
  // what MLX's pooling cannot do: the MaxPoolTorch / AvgPoolTorch helpers (row.general)
  { layer: "MaxPool2d", args: "3, stride=2, ceil_mode=True", inputs: [[2, 3, 8, 8]] },
  { layer: "MaxPool1d", args: "2, 2, 1, ceil_mode=True", inputs: [[2, 3, 9]] },
  { layer: "AvgPool2d", args: "3, stride=2, padding=1, ceil_mode=True, count_include_pad=False", inputs: [[1, 2, 8, 7]] },
  { layer: "AvgPool2d", args: "2, ceil_mode=True", inputs: [[2, 3, 7, 7]] },
  { layer: "AvgPool3d", args: "3, 2, 1, count_include_pad=False", inputs: [[1, 2, 5, 4, 6]] },
  { layer: "AdaptiveAvgPool1d", args: "4", inputs: [[2, 3, 10]] },
  { layer: "AdaptiveAvgPool2d", args: "1", inputs: [[2, 3, 7, 7]] },
  { layer: "AdaptiveAvgPool2d", args: "(1, 1)", inputs: [[2, 3, 5, 4]] },
  { layer: "AdaptiveAvgPool2d", args: "(3, 4)", inputs: [[2, 3, 7, 9]] },
  { layer: "AdaptiveAvgPool2d", args: "(None, 2)", inputs: [[1, 2, 5, 8]] },
  { layer: "AdaptiveAvgPool3d", args: "(2, 3, 2)", inputs: [[1, 2, 5, 7, 4]] },
  { layer: "AdaptiveMaxPool1d", args: "3", inputs: [[2, 3, 10]] },
  { layer: "AdaptiveMaxPool2d", args: "(3, 2)", inputs: [[2, 3, 7, 8]] },
  { layer: "AdaptiveMaxPool2d", args: "1", inputs: [[2, 3, 4, 4]] },
  { layer: "AdaptiveMaxPool3d", args: "2", inputs: [[1, 2, 5, 4, 6]] },
  { layer: "Upsample", args: "scale_factor=2", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "scale_factor=1.5", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "size=(7, 9)", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "scale_factor=2, mode='bilinear'", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "scale_factor=2, mode='bilinear', align_corners=True", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "size=(7, 9), mode='bilinear'", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "scale_factor=(1.5, 2.5), mode='bilinear'", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "scale_factor=2, mode='bicubic'", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "scale_factor=1.5, mode='bicubic'", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "size=(5, 11), mode='bicubic', align_corners=True", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "scale_factor=(2.5, 1.5)", inputs: [[1, 2, 4, 5]] },
  { layer: "Upsample", args: "scale_factor=3, mode='linear'", inputs: [[2, 3, 6]] },
  { layer: "Upsample", args: "scale_factor=2, mode='trilinear', align_corners=True", inputs: [[1, 2, 3, 4, 3]] },
  { layer: "UpsamplingNearest2d", args: "scale_factor=2", inputs: [[1, 2, 3, 4]] },
  { layer: "UpsamplingBilinear2d", args: "scale_factor=2", inputs: [[1, 2, 3, 4]] },
  { layer: "UpsamplingBilinear2d", args: "size=(6, 7)", inputs: [[1, 2, 3, 4]] },
  { layer: "Unfold", args: "3, padding=1", inputs: [[2, 3, 5, 6]] },
  { layer: "Unfold", args: "kernel_size=(2, 3), dilation=(2, 1), stride=2", inputs: [[1, 2, 7, 6]] },
  { layer: "Fold", args: "output_size=(4, 6), kernel_size=2, stride=2", inputs: [[2, 12, 6]] },
  { layer: "Fold", args: "(5, 5), 3, padding=1", inputs: [[1, 18, 25]] },
  { layer: "PixelShuffle", args: "2", inputs: [[1, 12, 3, 4]] },
  { layer: "PixelUnshuffle", args: "2", inputs: [[1, 3, 6, 4]] },
  { layer: "Flatten", args: "", inputs: [{ shape: [2, 3, 4, 5] }] },
  { layer: "Flatten", args: "start_dim=2", inputs: [[2, 3, 4, 5]] },
  { layer: "Unflatten", args: "1, (3, 4)", inputs: [[2, 12, 5]] },
  { layer: "ZeroPad1d", args: "2", inputs: [[2, 3, 5]] },
  { layer: "ZeroPad2d", args: "(1, 2, 0, 3)", inputs: [[1, 2, 4, 5]] },
  { layer: "ZeroPad3d", args: "1", inputs: [[1, 2, 3, 3, 3]] },
  { layer: "ConstantPad1d", args: "(1, 3), 0.5", inputs: [[2, 3, 5]] },
  { layer: "ConstantPad2d", args: "1, -1.0", inputs: [[1, 2, 4, 5]] },
  { layer: "ConstantPad3d", args: "(1, 0, 0, 1, 2, 0), 2.0", inputs: [[1, 2, 3, 3, 3]] },
  { layer: "ReflectionPad1d", args: "(3, 1)", inputs: [[2, 3, 5]] },
  { layer: "ReflectionPad2d", args: "(1, 2, 2, 1)", inputs: [[1, 2, 4, 5]] },
  { layer: "ReflectionPad2d", args: "3", inputs: [[1, 2, 4, 5]] },
  { layer: "ReflectionPad3d", args: "1", inputs: [[1, 2, 3, 4, 3]] },
  { layer: "ReplicationPad1d", args: "2", inputs: [[2, 3, 5]] },
  { layer: "ReplicationPad2d", args: "(2, 0, 1, 3)", inputs: [[1, 2, 4, 5]] },
  { layer: "ReplicationPad3d", args: "1", inputs: [[1, 2, 3, 4, 3]] },
  { layer: "MultiheadAttention", args: "16, 4", inputs: [[5, 2, 16]], call: "in0, in0, in0" },
  {
    layer: "MultiheadAttention",
    args: "16, 4, 0.0, True, False, False, None, None, True",
    inputs: [
      [5, 16],
      [7, 16],
    ],
    call: "in0, in1, in1, need_weights=False",
  },
  {
    layer: "MultiheadAttention",
    args: "16, 4, batch_first=True",
    inputs: [[2, 5, 16], [2, 7, 16], [2, 7, 16], { shape: [2, 7], kind: "padmask" }],
    call: "in0, in1, in2, key_padding_mask=in3",
  },
  {
    layer: "MultiheadAttention",
    args: "16, 2, kdim=8, vdim=12, batch_first=True, bias=False",
    inputs: [
      [2, 5, 16],
      [2, 6, 8],
      [2, 6, 12],
      [5, 6],
    ],
    call: "in0, in1, in2, attn_mask=in3",
  },
  {
    layer: "MultiheadAttention",
    args: "16, 4",
    inputs: [[5, 2, 16], { shape: [5, 5], kind: "causal" }, { shape: [2, 5], kind: "padmask" }],
    call: "in0, in0, in0, attn_mask=in1, key_padding_mask=in2",
  },
  { layer: "TransformerEncoderLayer", args: "16, 4, dim_feedforward=32, dropout=0.0", inputs: [[5, 2, 16]] },
  {
    layer: "TransformerEncoderLayer",
    args: "16, 4, 32, 0.0, 'gelu', batch_first=True, norm_first=True",
    inputs: [[2, 5, 16], { shape: [5, 5], kind: "causal" }],
    call: "in0, src_mask=in1",
  },
  {
    layer: "TransformerEncoder",
    args: "nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.0, batch_first=True), 2, norm=nn.LayerNorm(16), enable_nested_tensor=False",
    inputs: [[2, 5, 16], { shape: [2, 5], kind: "padmask" }],
    call: "in0, src_key_padding_mask=in1",
  },
  {
    layer: "TransformerDecoderLayer",
    args: "16, 4, dim_feedforward=32, dropout=0.0",
    inputs: [
      [5, 2, 16],
      [6, 2, 16],
    ],
  },
  {
    layer: "TransformerDecoderLayer",
    args: "16, 4, 32, 0.0, batch_first=True, norm_first=True",
    inputs: [[2, 5, 16], [2, 6, 16], { shape: [5, 5], kind: "causal" }],
    call: "in0, in1, tgt_mask=in2",
  },
  {
    layer: "TransformerDecoder",
    args: "nn.TransformerDecoderLayer(16, 4, 32, 0.0, batch_first=True), 2, nn.LayerNorm(16)",
    inputs: [
      [2, 5, 16],
      [2, 6, 16],
    ],
  },
  {
    layer: "Transformer",
    args: "d_model=16, nhead=4, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=32, dropout=0.0, batch_first=True",
    inputs: [[2, 5, 16], [2, 4, 16], { shape: [4, 4], kind: "causal" }],
    call: "in0, in1, tgt_mask=in2",
  },
  {
    layer: "LSTMCell",
    args: "6, 8",
    inputs: [
      [3, 6],
      [3, 8],
      [3, 8],
    ],
    call: "in0, (in1, in2)",
  },
  { layer: "LSTMCell", args: "6, 8, bias=False", inputs: [[3, 6]] },
  {
    layer: "GRUCell",
    args: "6, 8",
    inputs: [
      [3, 6],
      [3, 8],
    ],
  },
  { layer: "GRUCell", args: "6, 8", inputs: [[6]] },
  {
    layer: "RNNCell",
    args: "6, 8, nonlinearity='relu'",
    inputs: [
      [3, 6],
      [3, 8],
    ],
  },
  { layer: "LSTM", args: "6, 8", inputs: [[5, 2, 6]] },
  { layer: "LSTM", args: "6, 8, num_layers=2, batch_first=True, bidirectional=True", inputs: [[2, 5, 6]] },
  {
    layer: "LSTM",
    args: "6, 8, 2, bias=False",
    inputs: [
      [5, 2, 6],
      [2, 2, 8],
      [2, 2, 8],
    ],
    call: "in0, (in1, in2)",
  },
  { layer: "LSTM", args: "6, 8, bidirectional=True", inputs: [[5, 6]] },
  { layer: "GRU", args: "6, 8", inputs: [[5, 2, 6]] },
  {
    layer: "GRU",
    args: "6, 8, 2, bidirectional=True, batch_first=True",
    inputs: [
      [2, 5, 6],
      [4, 2, 8],
    ],
  },
  { layer: "GRU", args: "6, 8, bias=False", inputs: [[5, 6]] },
  { layer: "RNN", args: "6, 8", inputs: [[5, 2, 6]] },
  {
    layer: "RNN",
    args: "6, 8, 2, nonlinearity='relu', bidirectional=True",
    inputs: [
      [5, 2, 6],
      [4, 2, 8],
    ],
    // relu leaves the hidden state unbounded: two layers, both directions, and torch's and MLX's matmuls add in
    // different orders, so the outputs differ by up to 2.3e-5 on some CPUs
    tolerance: 1e-4,
  },
];

/** Rows not checked numerically, with the reason. */
const SKIPPED: Record<string, string> = {
  "torch.nn.Sequential": "container: the translator rewrites it and its children; keys move under `layers.`",
  "torch.nn.ModuleList": "container: becomes a Python list; holds layers checked on their own",
  "torch.nn.ModuleDict": "container: becomes a Python dict; holds layers checked on their own",
};

/** A 1-tuple/list literal unwrapped (LayerRow.scalarize): "(8,)" → "8". */
function scalarize(text: string): string {
  const m = /^[([]\s*([^,()[\]]+?)\s*,?\s*[)\]]$/.exec(text.trim());
  return m ? m[1]! : text;
}

/** Renders the MLX constructor for torch `nn.<layer>(<args>)`, translating nested `nn.X(...)` arguments too. */
function renderLayer(layer: string, args: string, helpers: Set<string>): string {
  const row = layerFor(`torch.nn.${layer}`);
  if (!row) throw new Error(`no row for torch.nn.${layer}`);
  const bound = bindArgs(row.sig, args);
  for (const [name, text] of bound) {
    const nested = /^nn\.(\w+)\(([\s\S]*)\)$/.exec(text);
    if (nested) bound.set(name, renderLayer(nested[1]!, nested[2]!, helpers));
    else if (row.scalarize?.includes(name)) bound.set(name, scalarize(text));
  }
  const { mlx } = templateFor(row, (p) => bound.get(p));
  for (const h of [...templateHelpers(mlx), ...(row.helpers ?? [])]) helpers.add(h);
  return renderTemplate(mlx, bound, row.sig);
}

function channelsLastRanks(row: LayerRow): number[] {
  if (row.layout !== "channels_last") return [];
  return (row.ranks ?? [row.rank!]).filter((r) => r >= 3);
}

/** The literal texts the case gives for arguments the row restricts. */
function disallowedArgs(row: LayerRow, args: string): string[] {
  const bound = bindArgs(row.sig, args);
  return Object.entries(templateFor(row, (p) => bound.get(p)).allowed).flatMap(([name, ok]) => {
    const text = bound.get(name);
    return text !== undefined && !ok.includes(text) ? [`${name}=${text}`] : [];
  });
}

interface Result {
  id: number;
  ok: boolean;
  max_diff?: number;
  compared?: number;
  error?: string;
}

describe("torch.nn → MLX layer table", () => {
  it("has the required rows, each well formed", () => {
    expect(LAYERS.length).toBeGreaterThanOrEqual(55);
    const names = LAYERS.map((r) => r.torch);
    expect(new Set(names).size).toBe(names.length);
    for (const row of LAYERS) {
      const params = parseSig(row.sig).map((p) => p.name);
      // every hole names a torch parameter; every helper is registered
      for (const hole of templateHoles(row.mlx)) expect(params, `${row.torch}: {${hole}}`).toContain(hole);
      for (const h of [...templateHelpers(row.mlx), ...(row.helpers ?? [])]) expect(HELPERS[h], `${row.torch}: helper ${h}`).toBeDefined();
      for (const name of Object.keys(row.allowed ?? {})) expect(params, `${row.torch}: allowed ${name}`).toContain(name);
      // a general template (ceil_mode=True, padding='same') names torch parameters and registered helpers too
      for (const hole of templateHoles(row.general?.mlx ?? "")) expect(params, `${row.torch}: general {${hole}}`).toContain(hole);
      for (const h of templateHelpers(row.general?.mlx ?? "")) expect(HELPERS[h], `${row.torch}: general helper ${h}`).toBeDefined();
      for (const name of [...(row.general?.handles ?? []), ...(row.general?.strings ?? [])]) expect(params).toContain(name);
      for (const name of row.axes ?? []) expect(params).toContain(name);
      if (row.layout === "channels_last") expect(row.rank, `${row.torch} rank`).toBeGreaterThanOrEqual(2);
    }
  });

  it("registers helpers that exist, import nothing and need only registered helpers", () => {
    const dir = join(packageRoot(), "cookbook", "helpers");
    for (const [name, entry] of Object.entries(HELPERS)) {
      expect(existsSync(join(dir, entry.file)), entry.file).toBe(true);
      const source = readFileSync(join(dir, entry.file), "utf8");
      // pasted after the output file's own imports: mx, nn and math are all a helper may use
      expect(source, `${entry.file} imports`).not.toMatch(/^\s*(import|from)\s/m);
      expect(source, `${entry.file} defines ${name}`).toMatch(new RegExp(`^(class|def) ${name}\\b`, "m"));
      for (const dep of entry.needs) expect(HELPERS[dep], `${name} needs ${dep}`).toBeDefined();
    }
    expect(helperClosure(["Transformer"]).indexOf("MultiheadAttention")).toBeLessThan(helperClosure(["Transformer"]).indexOf("Transformer"));
  });

  it("gives helper weight rules that the weight-map engine (src/weights/map.ts) applies as intended", () => {
    const f32 = (...values: number[]): Tensor => ({ dtype: "F32", shape: [values.length], data: new Uint8Array(new Float32Array(values).buffer) });
    const lstm = new Map<string, Tensor>();
    for (const sfx of ["", "_reverse"]) {
      for (const k of [0, 1]) {
        lstm.set(`weight_ih_l${k}${sfx}`, f32(1));
        lstm.set(`weight_hh_l${k}${sfx}`, f32(2));
        lstm.set(`bias_ih_l${k}${sfx}`, f32(1, 2));
        lstm.set(`bias_hh_l${k}${sfx}`, f32(10, 20));
      }
    }
    // the LSTM helper keeps torch's names (no rules); a map folding nn.LSTM's one bias from torch's two sums them
    expect(HELPERS.LSTM!.weights).toBeUndefined();
    const summed: WeightRule[] = [
      { torch: "weight_ih_l*_reverse", mlx: "layers_reverse.*.Wx", op: "identity" },
      { torch: "weight_hh_l*_reverse", mlx: "layers_reverse.*.Wh", op: "identity" },
      { torch: ["bias_ih_l*_reverse", "bias_hh_l*_reverse"], mlx: "layers_reverse.*.bias", op: "sum" },
      { torch: "weight_ih_l*", mlx: "layers.*.Wx", op: "identity" },
      { torch: "weight_hh_l*", mlx: "layers.*.Wh", op: "identity" },
      { torch: ["bias_ih_l*", "bias_hh_l*"], mlx: "layers.*.bias", op: "sum" },
    ];
    const mapped = applyWeightMap(lstm, summed);
    expect([...mapped.keys()].sort()).toEqual(["layers", "layers_reverse"].flatMap((d) => [0, 1].flatMap((k) => [`${d}.${k}.Wh`, `${d}.${k}.Wx`, `${d}.${k}.bias`])).sort());
    expect([...new Float32Array(mapped.get("layers_reverse.1.bias")!.data.slice().buffer)]).toEqual([11, 22]);

    const t = new Map<string, Tensor>([
      ["encoder.layers.1.self_attn.in_proj_weight", f32(1, 2, 3)],
      ["decoder.layers.0.multihead_attn.in_proj_bias", f32(4, 5, 6)],
      ["decoder.layers.0.multihead_attn.out_proj.weight", f32(7)],
    ]);
    const split = applyWeightMap(t, HELPERS.Transformer!.weights!);
    expect([...split.keys()].sort()).toEqual([
      "decoder.layers.0.multihead_attn.key_proj.bias",
      "decoder.layers.0.multihead_attn.out_proj.weight",
      "decoder.layers.0.multihead_attn.query_proj.bias",
      "decoder.layers.0.multihead_attn.value_proj.bias",
      "encoder.layers.1.self_attn.key_proj.weight",
      "encoder.layers.1.self_attn.query_proj.weight",
      "encoder.layers.1.self_attn.value_proj.weight",
    ]);
  });

  it("renders templates from torch calls", () => {
    const conv = layerFor("torch.nn.Conv2d")!;
    expect(renderTemplate(conv.mlx, bindArgs(conv.sig, "3, 16, kernel_size=3, padding=1"), conv.sig)).toBe("nn.Conv2d(3, 16, 3, padding=1)");
    const up = layerFor("torch.nn.Upsample")!;
    expect(renderTemplate(up.mlx, bindArgs(up.sig, "scale_factor=2, mode='bilinear'"), up.sig)).toBe("Upsample(scale_factor=2, mode='bilinear')");
    const seq = layerFor("torch.nn.Sequential")!;
    expect(renderTemplate(seq.mlx, bindArgs(seq.sig, "nn.ReLU(), f(a, b)"), seq.sig)).toBe("nn.Sequential(nn.ReLU(), f(a, b))");
    const rms = layerFor("torch.nn.RMSNorm")!;
    expect(renderTemplate(rms.mlx, bindArgs(rms.sig, "64"), rms.sig)).toBe("nn.RMSNorm(64, eps=1.1920928955078125e-07)");
    expect(splitArgs("a, (b, c), d='x,y', e=[1, 2],")).toEqual(["a", "(b, c)", "d='x,y'", "e=[1, 2]"]);
    expect(() => bindArgs(conv.sig, "3, 16, 3, nope=1")).toThrow(/unknown keyword argument 'nope'/);
    expect(() => renderTemplate(conv.mlx, bindArgs(conv.sig, "3"), conv.sig)).toThrow(/missing required argument 'out_channels'/);
  });

  describe("numerics against torch", () => {
    let results: Result[] = [];
    const payloadCases = CASES.map((c, id) => {
      const helpers = new Set<string>();
      const mlx = renderLayer(c.layer, c.args, helpers);
      const row = layerFor(`torch.nn.${c.layer}`)!;
      return {
        id,
        label: `${c.layer}(${c.args})`,
        torch: `nn.${c.layer}(${c.args})`,
        mlx,
        helpers: helperClosure(helpers),
        weights: row.weights ?? [],
        inputs: c.inputs.map((i) => (Array.isArray(i) ? { shape: i } : i)),
        call: c.call ?? c.inputs.map((_, i) => `in${i}`).join(", "),
        channels_last_ranks: channelsLastRanks(row),
        row,
      };
    });

    beforeAll(() => {
      const helperDir = join(packageRoot(), "cookbook", "helpers");
      const used = new Set(payloadCases.flatMap((c) => c.helpers));
      const sources = Object.fromEntries([...used].map((name) => [name, readFileSync(join(helperDir, HELPERS[name]!.file), "utf8")]));
      const proc = spawnSync(pythonExecutable(), [join(packageRoot(), "test", "py", "layers_check.py")], {
        input: JSON.stringify({ cases: payloadCases.map(({ row: _row, ...rest }) => rest), helpers: sources }),
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        timeout: 240_000,
      });
      if (proc.status !== 0) throw new Error(`layers_check.py failed (${proc.status}): ${proc.stderr}`);
      results = proc.stdout
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Result);
      const checked = new Set(payloadCases.map((c) => c.row.torch));
      console.log(
        `layers: ${checked.size} of ${LAYERS.length} rows checked numerically in ${payloadCases.length} cases ` +
          `(skipped: ${Object.keys(SKIPPED).join(", ")}); worst diff ${Math.max(...results.map((r) => r.max_diff ?? 0)).toExponential(2)}`,
      );
    });

    it("covers every row, or says why not", () => {
      const checked = new Set(payloadCases.map((c) => c.row.torch));
      const missing = LAYERS.filter((r) => !checked.has(r.torch) && !(r.torch in SKIPPED)).map((r) => r.torch);
      expect(missing).toEqual([]);
      for (const name of Object.keys(SKIPPED)) expect(layerFor(name)?.container).toBe(true);
      const exercised = new Set(payloadCases.flatMap((c) => c.helpers));
      // the translator's own helpers are proven elsewhere: ModuleDict by the GPT-2 golden model's parity,
      // FlattenCHW by test/translate.test.ts (a Flatten inside a Sequential, against torch)
      // and BatchNorm1d (torch layout, rank chosen at run time) by test/translate.test.ts
      // c2m_layer_kwargs (a layer's **kwargs less torch's factory keywords) by test/torch-idioms.test.ts
      // Untranslated (a placeholder for a torch name evaluated on import) by test/torch-idioms.test.ts, run with torch absent
      // c2m_layer_attr (a torch layer attribute read off the MLX weight) by test/layer-attrs.test.ts, on real MLX
      // c2m_device_of (x.device of an object c2m cannot tell) by test/layer-attrs.test.ts, on real MLX
      // c2m_find_spec and C2MTorchVersion (a library's probes for torch, torch.__version__) by test/package-probes.test.ts,
      // c2m_op_registration by test/torch-idioms.test.ts, c2m_register_buffer by test/translate.test.ts,
      // c2m_torch_init by test/torch-values.test.ts, C2MModuleMixin by test/forward-name.test.ts,
      // c2m_get_submodule and c2m_get_parameter by test/layer-subclass.test.ts, c2m_named_children by
      // test/layer-getter.test.ts, each run in Python;
      // NamedSequential (an OrderedDict given to nn.Sequential) by test/named-sequential.test.ts
      // and c2m_sequential by test/sequential-layouts.test.ts, against torch; ConvTransposeConvMapped by
      // test/weight-conflicts.test.ts, against torch
      const translatorHelpers = new Set([
        "ConvTransposeConvMapped",
        "NamedSequential",
        "c2m_sequential",
        "ModuleDict",
        "FlattenCHW",
        "BatchNorm1d",
        "c2m_layer_kwargs",
        "Untranslated",
        "c2m_layer_attr",
        "c2m_device_of",
        "c2m_find_spec",
        "C2MTorchVersion",
        "c2m_op_registration",
        "c2m_register_buffer",
        "c2m_torch_init",
        "C2MModuleMixin",
        "c2m_get_submodule",
        "c2m_get_parameter",
        "c2m_named_children",
        // against torch in test/module-order.test.ts (MUNIT's AdaIN parameters handed out in modules() order)
        "c2m_named_modules",
        "c2m_modules",
        // against torch in test/gan-idioms.test.ts (StarGAN's InstanceNorm2d(track_running_stats=True))
        "InstanceNormTracked",
        // against torch in test/einops.test.ts
        "einops_pack",
        "einops_unpack",
        // against torch in test/autograd-function.test.ts and test/tensor-contains.test.ts
        "C2MAutogradFunction",
        "c2m_contains",
        // against torch in test/untyped-receivers.test.ts and test/modulelist-methods.test.ts
        "c2m_data_of",
        "c2m_parameters_of",
        "c2m_named_parameters_of",
        "c2m_add_module",
        "c2m_register_forward_hook",
        // against torch in test/rank-guess.test.ts
        "c2m_any_rank",
        // against torch in test/sequence-idioms.test.ts (RWKV's time shift; a Sequential a function ties)
        "c2m_unbatched",
        "TiedSequential",
        // against torch in test/sequence-idioms-2.test.ts (Hyena's hints and state_dict; a layer class across files)
        "c2m_set_attribute",
        // run in Python in test/training-flags.test.ts (a backbone's flags restored after a probe)
        "c2m_set_training",
        "c2m_state_dict_of",
        "c2m_shared_class",
        // against torch in test/runtime-weights.test.ts (keys a builder's modules hold, resolved by the built layers)
        "c2m_resolve_torch_keys",
        // copy.deepcopy's stand-in, against torch in test/deepcopy-modules.test.ts
        "c2m_deepcopy",
        // weights under `_` names, against torch in test/private-parameters.test.ts
        "c2m_private_parameters",
        // einops' rows and their helpers (passes/tables/einops.ts), against torch and einops in test/einops.test.ts
        "c2m_einops",
        "einops_rearrange",
        "einops_repeat",
        "einops_reduce",
        "einops_einsum",
        "EinopsRearrange",
        "EinopsReduce",
        // numpy values meeting MLX again, against torch in test/host-values.test.ts (TimesNet's periods)
        "c2m_from_numpy",
        // a root class's guard against the file's classes it was not translated for, run in Python in test/user-class-arguments.test.ts
        "c2m_refuse_classes",
      ]);
      // cookbook_* helpers are proven by the cookbook goldens' parity (test/cookbook.test.ts)
      expect(Object.keys(HELPERS).filter((h) => !exercised.has(h) && !translatorHelpers.has(h) && !h.startsWith("cookbook_"))).toEqual([]);
    });

    it("uses only argument values the rows allow", () => {
      for (const c of payloadCases) expect(disallowedArgs(c.row, CASES[c.id]!.args), c.label).toEqual([]);
    });

    it.each(payloadCases.map((c) => [c.label, c.id] as const))("%s", (_label, id) => {
      const r = results.find((x) => x.id === id);
      expect(r, "no result from layers_check.py").toBeDefined();
      expect(r!.error ?? "").toBe("");
      expect(r!.compared).toBeGreaterThan(0);
      expect(r!.max_diff).toBeLessThanOrEqual(CASES[id]!.tolerance ?? TOLERANCE);
    });
  });
});
