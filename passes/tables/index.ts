/** Lookups over the mapping tables (the tables themselves are plain data in layers.ts and ops.ts). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LayerMapping, OpMapping } from "../../ir/tables.js";
import { packageRoot } from "../../src/python.js";
import { LAYERS } from "./layers.js";
import { OPS } from "./ops.js";

export const LAYER_BY_NAME: Map<string, LayerMapping> = new Map(LAYERS.map((l) => [l.torch, l]));

export const OP_BY_NAME: Map<string, OpMapping> = new Map(OPS.flatMap((o) => o.torch.map((n) => [n, o] as const)));

/** Torch containers handled by the translator itself rather than by a table row. */
export const CONTAINERS = new Set(["torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"]);

/** Module-level torch names that are values, not calls (dtypes, the tensor type). */
export const TORCH_NAMES: Record<string, string> = {
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
  "torch.pi": "math.pi",
  "torch.inf": "math.inf",
};

/**
 * torch.nn.Module methods whose MLX counterpart differs ({self} is the module's text). MLX's
 * `parameters()` is a nested dict, so torch's iterators become flattened lists.
 */
export const MODULE_METHODS: Record<string, { mlx: string; imports?: string[] }> = {
  named_parameters: { mlx: "tree_flatten({self}.parameters())", imports: ["from mlx.utils import tree_flatten"] },
  parameters: { mlx: "[p for _, p in tree_flatten({self}.parameters())]", imports: ["from mlx.utils import tree_flatten"] },
  named_buffers: { mlx: "[]" },
  buffers: { mlx: "[]" },
  children: { mlx: "[m for m in {self}.children().values() if isinstance(m, nn.Module)]" },
  named_children: { mlx: "[(k, m) for k, m in {self}.children().items() if isinstance(m, nn.Module)]" },
  to: { mlx: "{self}" },
  cuda: { mlx: "{self}" },
  cpu: { mlx: "{self}" },
  float: { mlx: "{self}" },
  requires_grad_: { mlx: "{self}" },
  zero_grad: { mlx: "None" },
};

let mlxSignatures: Record<string, string[]> | undefined;

/** Parameter names of an MLX layer constructor (`nn.Conv2d`), from mlx-signatures.json (generated from MLX). */
export function mlxConstructorParams(callee: string): string[] | undefined {
  mlxSignatures ??= JSON.parse(readFileSync(join(packageRoot(), "passes", "tables", "mlx-signatures.json"), "utf8")) as Record<string, string[]>;
  return mlxSignatures[callee];
}
