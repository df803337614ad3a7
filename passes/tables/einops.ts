/**
 * einops (rearrange, repeat, reduce, einsum, pack, unpack and the Rearrange/Reduce layers of einops.layers.torch) → MLX, as table
 * rows. einops names its axes in a pattern string; the helpers (cookbook/helpers/einops_*.py, Einops*.py) read that
 * pattern at run time exactly as einops does, so the port needs neither einops nor torch (einops.layers.torch
 * imports torch). A pattern names axes in torch's order, so every row is `logical`: a channels-last input is put
 * back in torch's order first. An einops name with no row is an error where it is used (C2M-E038).
 */
import type { LayerRow } from "./layer-rows.js";
import type { OpRow } from "./op-rows.js";

/** The libraries other than torch whose API these rows translate: imported like torch, their import lines go. */
export const TABLED_LIBRARIES = ["einops"];

export const EINOPS_OP_ROWS: OpRow[] = [
  {
    torch: ["einops.rearrange"],
    sig: ["tensor", "pattern", "**axes_lengths"],
    mlx: "{@einops_rearrange}({tensor}, {pattern}[, {axes_lengths}])",
    layout: "logical",
    helpers: ["einops_rearrange"],
  },
  {
    torch: ["einops.repeat"],
    sig: ["tensor", "pattern", "**axes_lengths"],
    mlx: "{@einops_repeat}({tensor}, {pattern}[, {axes_lengths}])",
    layout: "logical",
    helpers: ["einops_repeat"],
  },
  {
    torch: ["einops.reduce"],
    sig: ["tensor", "pattern", "reduction", "**axes_lengths"],
    mlx: "{@einops_reduce}({tensor}, {pattern}, {reduction}[, {axes_lengths}])",
    layout: "logical",
    helpers: ["einops_reduce"],
  },
  {
    torch: ["einops.einsum"],
    sig: ["*tensors_and_pattern"],
    mlx: "{@einops_einsum}({*tensors_and_pattern})",
    layout: "logical",
    helpers: ["einops_einsum"],
    note: "einops names axes with words; mx.einsum takes one letter each: the helper renames them",
  },
  // lucidrains' models pack tokens of several kinds along one axis (`x, ps = pack([cls, x], "b * d")`) and take them
  // apart after (`cls, x = unpack(x, ps, "b * d")`); pack's result is the array and the shapes, unpack's a list
  {
    torch: ["einops.pack"],
    sig: ["tensors", "pattern"],
    mlx: "{@einops_pack}({tensors}, {pattern})",
    layout: "logical",
    helpers: ["einops_pack"],
  },
  {
    torch: ["einops.unpack"],
    sig: ["tensor", "packed_shapes", "pattern"],
    mlx: "{@einops_unpack}({tensor}, {packed_shapes}, {pattern})",
    layout: "logical",
    helpers: ["einops_unpack"],
  },
];

export const EINOPS_LAYER_ROWS: LayerRow[] = [
  {
    torch: "einops.layers.torch.Rearrange",
    sig: ["pattern", "**axes_lengths"],
    mlx: "{@EinopsRearrange}({pattern}[, {axes_lengths}])",
    layout: "logical",
    helpers: ["EinopsRearrange"],
  },
  {
    torch: "einops.layers.torch.Reduce",
    sig: ["pattern", "reduction", "**axes_lengths"],
    mlx: "{@EinopsReduce}({pattern}, {reduction}[, {axes_lengths}])",
    layout: "logical",
    helpers: ["EinopsReduce"],
  },
];
