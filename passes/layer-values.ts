/**
 * A torch layer class used as a value — `act_layer=nn.Hardswish`, `norm_layer=nn.GroupNorm`, a dict of
 * activations — is called later with torch's constructor arguments (`act_layer(inplace=True)`), where the
 * translator cannot see the call. Its MLX stand-in is a small subclass of the MLX layer whose constructor
 * takes torch's signature and builds the layer as the table row does: torch-only arguments accepted and
 * dropped, MLX-only settings added (`pytorch_compatible=True`), values MLX cannot honour refused at run time.
 */
import type { LayerMapping } from "../ir/tables.js";
import { parseSig, renderTemplate } from "./template-render.js";
import { refusedCheck } from "./tables/layers.js";

export interface LayerValueClass {
  /** the generated class's name (`TorchHardswish`) */
  name: string;
  /** its Python source */
  source: string;
  /** cookbook helpers its base class is */
  helpers: string[];
}

const SHARED_CLASS_HELPER = "c2m_shared_class";

/** The class standing for torch layer `row` passed as a value (`shared`: one across a package's files); undefined for rows it cannot express. */
export function layerValueClass(row: LayerMapping, shared = false): LayerValueClass | undefined {
  const torchName = row.torch.split(".").pop()!;
  const template = row.general?.mlx ?? row.mlx;
  const m = /^([\w.]+|\{@(\w+)\})\((.*)\)$/s.exec(template);
  if (!m) return undefined;
  const params = parseSig(row.sig);
  if (params.some((p) => p.varargs)) return undefined;
  // a template default (`dict({modules=()})`) stands for torch's `None` default: the stand-in is always given the name
  const templateDefaults = new Map([...template.matchAll(/\{(\w+)=([^}]*)\}/g)].map((d) => [d[1], d[2]]));
  const given = new Map<string, string>(
    params.map((p) => [p.name, p.default === "None" && templateDefaults.has(p.name) ? `(${p.name} if ${p.name} is not None else ${templateDefaults.get(p.name)})` : p.name]),
  );
  const rendered = renderTemplate(template, { given, defaults: new Map() });
  if (!rendered.ok) return undefined;
  const base = m[2] ?? m[1];
  const args = rendered.text.slice(rendered.text.indexOf("(") + 1, -1);
  // torch's factory keywords (timm passes **dd to every norm_layer) mean nothing to the MLX layer
  const signature = [
    ...params.map((p) => (p.default === undefined ? p.name : `${p.name}=${p.default}`)),
    ...["device", "dtype"].filter((k) => !params.some((p) => p.name === k)).map((k) => `${k}=None`),
  ];
  const handled = new Set(row.general?.handles ?? []);
  const checks = Object.entries(row.allowed ?? {})
    .filter(([p]) => !handled.has(p))
    .map(([p, ok]) => `        if ${refusedCheck(p, ok)}:\n            raise ValueError(${JSON.stringify(`c2m: MLX has no ${torchName} with this ${p}`)})\n`);
  const name = `Torch${torchName}`;
  const source = [
    `class ${name}(${base}):`,
    `    """torch.nn.${torchName}'s constructor arguments for MLX's ${base} (the class is passed as a value and built later)."""`,
    "",
    `    def __init__(self, ${signature.join(", ")}):`,
    ...checks.map((c) => c.trimEnd()),
    `        super().__init__(${args})`,
    ...torchAttributes(
      params.map((p) => p.name),
      new Set(row.tupled ?? []),
      (row.rank ?? 2) - 2,
    ),
    "",
    // torch's layers are called through forward too (a subclass's `super().forward(x)`: gemma's scaled embedding)
    "    def forward(self, *args, **kwargs):",
    `        return ${base}.__call__(self, *args, **kwargs)`,
    "",
    ...(RESETS_PARAMETERS.has(torchName) ? resetParameters(base) : []),
    "",
    // code that asks a layer class its name (timm's get_norm_act_layer maps `batchnorm2d` to its own class) gets torch's
    `${name}.__name__ = ${name}.__qualname__ = ${JSON.stringify(torchName)}`,
    // in a package, one class across its files, as torch's is (a class stored in one file compared with `is` in another)
    ...(shared ? [`${name} = ${SHARED_CLASS_HELPER}(${JSON.stringify(name)}, ${name})`] : []),
  ].join("\n");
  return { name, source, helpers: [...new Set([...rendered.helpers, ...(shared ? [SHARED_CLASS_HELPER] : [])])] };
}

/** torch's layers with a `reset_parameters` method (those holding parameters), by class name. */
const RESETS_PARAMETERS: ReadonlySet<string> = new Set(
  ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "SyncBatchNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d", "GroupNorm", "LayerNorm", "RMSNorm"]
    .concat(["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d", "Linear", "Bilinear", "Embedding", "EmbeddingBag", "PReLU"])
    .concat(["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]),
);

/**
 * A subclass re-initialises through its torch base (timm's ScaledStdConv2d calls `super().reset_parameters()`):
 * MLX's layer drew its parameters when it was built, and converted torch weights replace them.
 */
const resetParameters = (base: string): string[] => [
  "    def reset_parameters(self):",
  `        """torch re-draws the layer's initial parameters here; MLX's ${base} drew them when it was built."""`,
  "",
];

/** Parameters that are no attribute of torch's layer (factory keywords, flags) or that MLX's layer holds as its parameters. */
const NOT_ATTRIBUTES = new Set(["weight", "bias", "device", "dtype", "inplace"]);

/**
 * torch keeps its constructor arguments as attributes (`self.normalized_shape`, `self.num_features`) that a
 * subclass's forward reads; the stand-in sets those MLX's layer does not have (never one it has: MLX's own
 * `padding` or `eps` is what its forward uses). Those torch turns into tuples of `spatial` ints (a convolution's
 * `kernel_size`, `stride`, `padding`, `dilation`; a string padding stays) are kept as torch keeps them: timm's
 * same-padding convolutions read `self.kernel_size[0]`.
 */
function torchAttributes(names: string[], tupled: ReadonlySet<string>, spatial: number): string[] {
  const kept = names.filter((n) => !NOT_ATTRIBUTES.has(n));
  const value = (n: string): string => (tupled.has(n) && spatial > 0 ? `(${n},) * ${spatial} if isinstance(${n}, int) else tuple(${n}) if isinstance(${n}, list) else ${n}` : n);
  const out = kept.length
    ? [
        `        for name, value in (${kept.map((n) => `(${JSON.stringify(n)}, ${value(n)})`).join(", ")},):`,
        "            if not hasattr(self, name):",
        "                setattr(self, name, value)",
      ]
    : [];
  // a layer built without its affine weight or bias holds None there in torch (`if self.bias is not None`)
  if (names.some((n) => AFFINE_FLAGS.has(n))) {
    out.push('        for name in ("weight", "bias"):', "            if not hasattr(self, name):", "                setattr(self, name, None)");
  }
  return out;
}

const AFFINE_FLAGS = new Set(["bias", "affine", "elementwise_affine"]);
