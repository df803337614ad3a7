/**
 * The MLX helpers c2m pastes into an output file when a translated layer needs one
 * (cookbook/helpers/<name>.py, each written against `mlx.core as mx`, `mlx.nn as nn` and `math`).
 * `needs`: helpers that must be emitted before this one. `weights`: how the torch parameters of the
 * layer this helper replaces map onto the helper's, relative to the layer (see docs/architecture.md);
 * keys not matched pass through unchanged.
 */
import type { WeightRule } from "../../ir/weights.js";
import { nameTable } from "../../ir/tables.js";

export interface HelperEntry {
  /** file name under cookbook/helpers/ */
  file: string;
  /** helpers this one calls, emitted before it */
  needs: string[];
  weights?: WeightRule[];
  kind: "class" | "function";
}

/** torch packs q, k, v into one matrix; the helper holds three nn.Linear projections. */
const MHA_WEIGHTS: WeightRule[] = [
  { torch: "in_proj_weight", mlx: ["query_proj.weight", "key_proj.weight", "value_proj.weight"], op: "split", args: [0] },
  { torch: "in_proj_bias", mlx: ["query_proj.bias", "key_proj.bias", "value_proj.bias"], op: "split", args: [0] },
  // with kdim/vdim != embed_dim torch keeps three separate matrices (the bias stays packed)
  { torch: "q_proj_weight", mlx: "query_proj.weight", op: "identity" },
  { torch: "k_proj_weight", mlx: "key_proj.weight", op: "identity" },
  { torch: "v_proj_weight", mlx: "value_proj.weight", op: "identity" },
];

/** `rules` re-rooted under `prefix` (a dotted path, may contain `*`). */
export function prefixRules(prefix: string, rules: readonly WeightRule[]): WeightRule[] {
  const at = (key: string) => `${prefix}.${key}`;
  return rules.map((r) => ({
    ...r,
    torch: Array.isArray(r.torch) ? r.torch.map(at) : at(r.torch as string),
    mlx: r.mlx === null ? null : Array.isArray(r.mlx) ? r.mlx.map(at) : at(r.mlx as string),
  }));
}

const ENCODER_LAYER_WEIGHTS = prefixRules("self_attn", MHA_WEIGHTS);
const DECODER_LAYER_WEIGHTS = [...prefixRules("self_attn", MHA_WEIGHTS), ...prefixRules("multihead_attn", MHA_WEIGHTS)];

const cls = (file: string, needs: string[] = [], weights?: WeightRule[]): HelperEntry => (weights ? { file, needs, weights, kind: "class" } : { file, needs, kind: "class" });

export const HELPERS: Record<string, HelperEntry> = nameTable({
  // emitted by the translator itself (passes/walk/calls.ts), not by a table row
  ModuleDict: cls("ModuleDict.py"),
  NamedSequential: cls("NamedSequential.py"),
  // a Sequential whose items disagree on layout, run with a conversion before each item that needs one (passes/sequential-layouts.ts)
  c2m_sequential: { file: "c2m_sequential.py", needs: [], kind: "function" },
  // a model's load_weights resolving the keys its weight map leaves to the built modules (emit/runtime-weights.ts)
  // calls c2m_apply_weight_map (weight_map.py, a helper with imports of its own, outside this registry): emit/python.ts adds both
  c2m_resolve_torch_keys: { file: "c2m_runtime_weights.py", needs: [], kind: "function" },
  // a torch name evaluated on import that has no translation (passes/untranslated.ts)
  Untranslated: cls("Untranslated.py"),
  // a library's probes for torch (find_spec, the installed version) answer as for the torch the port was translated from (passes/tables/torch-runtime.ts)
  c2m_find_spec: { file: "c2m_find_spec.py", needs: [], kind: "function" },
  // torch.__version__: the version the port was translated from (C2M_TORCH_VERSION, defined with the probes)
  C2MTorchVersion: { file: "C2MTorchVersion.py", needs: ["c2m_find_spec"], kind: "class" },
  // torch.autograd.Function as a base class: Fn.apply runs forward (passes/tables/index.ts TORCH_NAMES)
  C2MAutogradFunction: cls("C2MAutogradFunction.py"),
  // torch's operator registrations, as values and decorators (passes/tables/index.ts TORCH_NAMES)
  c2m_op_registration: { file: "c2m_op_registration.py", needs: [], kind: "function" },
  // register_buffer(name, t, persistent=<a value known at run time>) (passes/walk/call-statements.ts)
  c2m_register_buffer: { file: "c2m_register_buffer.py", needs: [], kind: "function" },
  // torch.nn.init's in-place initialisers as values (passes/tables/index.ts TORCH_NAMES)
  c2m_torch_init: { file: "c2m_torch_init.py", needs: [], kind: "function" },
  // torch's Module behaviours for a module class that also derives from Python classes (emit/module-mixins.ts)
  C2MModuleMixin: cls("C2MModuleMixin.py"),
  TiedSequential: cls("TiedSequential.py", ["C2MModuleMixin"]),
  // torch's weights under `_` names, which MLX's Module leaves out of its parameters (emit/private-parameters.ts)
  c2m_private_parameters: { file: "c2m_private_parameters.py", needs: [], kind: "function" },
  // Module.get_submodule (passes/tables/index.ts MODULE_METHODS)
  c2m_get_submodule: { file: "c2m_get_submodule.py", needs: [], kind: "function" },
  c2m_named_children: { file: "c2m_named_children.py", needs: [], kind: "function" },
  c2m_named_modules: { file: "c2m_named_modules.py", needs: ["c2m_named_children"], kind: "function" },
  c2m_modules: { file: "c2m_modules.py", needs: [], kind: "function" },
  c2m_get_parameter: { file: "c2m_get_parameter.py", needs: ["c2m_get_submodule"], kind: "function" },
  BatchNorm1d: cls("BatchNorm1d.py"),
  FlattenCHW: cls("FlattenCHW.py"),
  c2m_layer_kwargs: { file: "c2m_layer_kwargs.py", needs: [], kind: "function" },
  c2m_layer_attr: { file: "c2m_layer_attr.py", needs: [], kind: "function" },
  c2m_device_of: { file: "c2m_device_of.py", needs: [], kind: "function" },
  // `x.data` and `x.parameters()` on a value c2m cannot type (passes/untyped-receivers.ts)
  c2m_data_of: { file: "c2m_data_of.py", needs: [], kind: "function" },
  c2m_parameters_of: { file: "c2m_parameters_of.py", needs: ["c2m_named_parameters_of"], kind: "function" },
  // named_parameters() and parameters() on a receiver that may be a torch ModuleList, MLX's plain list (passes/tables/index.ts MODULE_METHODS)
  // a channels-last layer of several ranks called on a value whose rank c2m could not tell (passes/any-rank-layers.ts)
  c2m_any_rank: { file: "c2m_any_rank.py", needs: [], kind: "function" },
  c2m_unbatched: { file: "c2m_unbatched.py", needs: [], kind: "function" },
  c2m_set_attribute: { file: "c2m_set_attribute.py", needs: [], kind: "function" },
  c2m_from_numpy: { file: "c2m_from_numpy.py", needs: [], kind: "function" },
  // `module.training = mode` (timm's HybridEmbed restores each module's flag after probing its backbone)
  c2m_set_training: { file: "c2m_set_training.py", needs: [], kind: "function" },
  c2m_shared_class: { file: "c2m_shared_class.py", needs: [], kind: "function" },
  c2m_register_forward_hook: { file: "c2m_register_forward_hook.py", needs: [], kind: "function" },
  c2m_add_module: { file: "c2m_add_module.py", needs: [], kind: "function" },
  c2m_state_dict_of: { file: "c2m_state_dict_of.py", needs: ["c2m_named_parameters_of"], kind: "function" },
  c2m_named_parameters_of: { file: "c2m_named_parameters_of.py", needs: [], kind: "function" },
  c2m_contains: { file: "c2m_contains.py", needs: [], kind: "function" },
  // a root class's class parameter given a class of its file it was not translated for (passes/user-class-arguments.ts)
  c2m_refuse_classes: { file: "c2m_refuse_classes.py", needs: [], kind: "function" },
  pool_padding: { file: "pool_padding.py", needs: [], kind: "function" },
  MaxPoolTorch: cls("MaxPoolTorch.py", ["pool_padding"]),
  AvgPoolTorch: cls("AvgPoolTorch.py", ["pool_padding"]),
  ConvTorch: cls("ConvTorch.py"),
  ConvTransposeConvMapped: cls("ConvTransposeConvMapped.py"),
  FunctionalLoss: cls("FunctionalLoss.py"),
  // the op table's helpers that loss layers call (also registered with the op table)
  ops_cross_entropy: { file: "ops_cross_entropy.py", needs: [], kind: "function" },
  ops_nll_loss: { file: "ops_nll_loss.py", needs: [], kind: "function" },
  adaptive_pool: { file: "adaptive_pool.py", needs: [], kind: "function" },
  AdaptiveAvgPool1d: cls("AdaptiveAvgPool1d.py", ["adaptive_pool"]),
  AdaptiveAvgPool2d: cls("AdaptiveAvgPool2d.py", ["adaptive_pool"]),
  AdaptiveAvgPool3d: cls("AdaptiveAvgPool3d.py", ["adaptive_pool"]),
  AdaptiveMaxPool1d: cls("AdaptiveMaxPool1d.py", ["adaptive_pool"]),
  AdaptiveMaxPool2d: cls("AdaptiveMaxPool2d.py", ["adaptive_pool"]),
  AdaptiveMaxPool3d: cls("AdaptiveMaxPool3d.py", ["adaptive_pool"]),
  AlphaDropout: cls("AlphaDropout.py"),
  BatchNorm3d: cls("BatchNorm3d.py"),
  InstanceNormTracked: cls("InstanceNormTracked.py"),
  ConstantPad: cls("ConstantPad.py"),
  CosineSimilarity: cls("CosineSimilarity.py"),
  Dropout1d: cls("Dropout1d.py"),
  Flatten: cls("Flatten.py"),
  GRU: cls("GRU.py"),
  GRUCell: cls("GRUCell.py"),
  Hardsigmoid: cls("Hardsigmoid.py"),
  Hardtanh: cls("Hardtanh.py"),
  LogSoftmax: cls("LogSoftmax.py"),
  LSTM: cls("LSTM.py"),
  LSTMCell: cls("LSTMCell.py"),
  MultiheadAttention: cls("MultiheadAttention.py", [], MHA_WEIGHTS),
  PixelShuffle: cls("PixelShuffle.py"),
  // torch.nn.Unfold / Fold (im2col and its inverse: timm's TNT and VOLO)
  ops_im2col: { file: "ops_im2col.py", needs: [], kind: "function" },
  ops_col2im: { file: "ops_col2im.py", needs: [], kind: "function" },
  Unfold: cls("Unfold.py", ["ops_im2col"]),
  Fold: cls("Fold.py", ["ops_col2im"]),
  PixelUnshuffle: cls("PixelUnshuffle.py"),
  ReflectionPad: cls("ReflectionPad.py"),
  ReplicationPad: cls("ReplicationPad.py"),
  RNN: cls("RNN.py"),
  RNNCell: cls("RNNCell.py"),
  Softmax: cls("Softmax.py"),
  Softmin: cls("Softmin.py"),
  Tanhshrink: cls("Tanhshrink.py"),
  Threshold: cls("Threshold.py"),
  Transformer: cls(
    "Transformer.py",
    ["TransformerEncoder", "TransformerEncoderLayer", "TransformerDecoder", "TransformerDecoderLayer"],
    [...prefixRules("encoder.layers.*", ENCODER_LAYER_WEIGHTS), ...prefixRules("decoder.layers.*", DECODER_LAYER_WEIGHTS)],
  ),
  TransformerDecoder: cls("TransformerDecoder.py", [], prefixRules("layers.*", DECODER_LAYER_WEIGHTS)),
  TransformerDecoderLayer: cls("TransformerDecoderLayer.py", ["MultiheadAttention"], DECODER_LAYER_WEIGHTS),
  TransformerEncoder: cls("TransformerEncoder.py", [], prefixRules("layers.*", ENCODER_LAYER_WEIGHTS)),
  TransformerEncoderLayer: cls("TransformerEncoderLayer.py", ["MultiheadAttention"], ENCODER_LAYER_WEIGHTS),
  Unflatten: cls("Unflatten.py"),
  Upsample: cls("Upsample.py"),
  // copy.deepcopy sharing MLX's compiled functions (passes/tables/stdlib-calls.ts)
  c2m_deepcopy: { file: "c2m_deepcopy.py", needs: [], kind: "function" },
  // einops' functions and layers (passes/tables/einops.ts), all over one pattern reader
  c2m_einops: { file: "einops_core.py", needs: [], kind: "function" },
  einops_rearrange: { file: "einops_rearrange.py", needs: ["c2m_einops"], kind: "function" },
  einops_repeat: { file: "einops_repeat.py", needs: ["c2m_einops"], kind: "function" },
  einops_reduce: { file: "einops_reduce.py", needs: ["c2m_einops"], kind: "function" },
  einops_einsum: { file: "einops_einsum.py", needs: [], kind: "function" },
  einops_pack: { file: "einops_pack.py", needs: [], kind: "function" },
  einops_unpack: { file: "einops_unpack.py", needs: [], kind: "function" },
  EinopsRearrange: cls("EinopsRearrange.py", ["c2m_einops"]),
  EinopsReduce: cls("EinopsReduce.py", ["c2m_einops"]),
  // cookbook rules (cookbook/*.rules)
  cookbook_rope_pairs: { file: "cookbook_rope_pairs.py", needs: [], kind: "function" },
  cookbook_grid_sample: { file: "cookbook_grid_sample.py", needs: [], kind: "function" },
  cookbook_affine_grid: { file: "cookbook_affine_grid.py", needs: [], kind: "function" },
  cookbook_searchsorted: { file: "cookbook_searchsorted.py", needs: [], kind: "function" },
  cookbook_bincount: { file: "cookbook_bincount.py", needs: [], kind: "function" },
  cookbook_repeat_interleave: { file: "cookbook_repeat_interleave.py", needs: [], kind: "function" },
});

/** `names` and everything they need, each once, dependencies first (the order to emit them in). */
export function helperClosure(names: Iterable<string>): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    const entry = HELPERS[name];
    if (!entry) throw new Error(`unknown cookbook helper '${name}'`);
    entry.needs.forEach(visit);
    order.push(name);
  };
  for (const name of names) visit(name);
  return order;
}
