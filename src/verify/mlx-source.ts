// The Metal source MLX builds for `mx.fast.metal_kernel`, reproduced text for text from MLX's
// `write_signature` / `write_template` (mlx/backend/metal/custom_kernel.cpp, mlx/fast.cpp): the same
// kernel name, parameter order, address spaces, buffer indices, `_shape`/`_strides`/`_ndim` arrays and
// thread attributes (each only when the body mentions it), and the template instantiation line.
import { dtypeInfo, type Dtype } from "./dtypes.js";
import { MLX_METAL_ATTRIBUTES } from "../../passes/kernel/tables.js";

export type TemplateValue = number | boolean | string;

/** An input as MLX sees it when the kernel is called: its dtype and shape (0-d = a scalar). */
export interface KernelInputInfo {
  name: string;
  dtype: Dtype;
  shape: number[];
}

/** MLX passes inputs with fewer elements than this in the `constant` address space. */
const MAX_CONSTANT_ARRAY_SIZE = 8;

/** MLX's list of Metal thread attributes, in its order, with their types (kept with the kernel tables: the printer avoids these names). */
export const METAL_ATTRIBUTES: [string, string][] = MLX_METAL_ATTRIBUTES;

export interface MlxKernelParts {
  /** The full Metal source MLX compiles. */
  source: string;
  /** The host name of the kernel (`custom_kernel_<name>...`). */
  kernelName: string;
  /** Attributes the body mentions, in signature order. */
  attributes: string[];
  /** Per input: whether `_shape`, `_strides`, `_ndim` are passed. */
  shapeInfos: [boolean, boolean, boolean][];
  /** `<float, 256>` as MLX writes it, or "" without template arguments. */
  templateDef: string;
}

function templateArgType(v: TemplateValue): "int" | "bool" | "typename" {
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return "int";
  return "typename";
}

function templateArgText(v: TemplateValue): string {
  if (typeof v === "boolean") return v ? "1" : "0"; // an ostream without boolalpha
  if (typeof v === "number") return String(Math.trunc(v));
  return dtypeInfo(v).mlx;
}

export function writeTemplate(args: [string, TemplateValue][]): string {
  return "<" + args.map(([, v]) => templateArgText(v)).join(", ") + ">";
}

export function mlxKernelSource(opts: {
  name: string;
  inputs: KernelInputInfo[];
  outputNames: string[];
  outputDtypes: Dtype[];
  source: string;
  header?: string;
  template?: [string, TemplateValue][];
  atomicOutputs?: boolean;
}): MlxKernelParts {
  const { source, inputs } = opts;
  const header = opts.header ?? "";
  const template = opts.template ?? [];
  const shapeInfos = inputs.map(
    (i) => [source.includes(i.name + "_shape"), source.includes(i.name + "_strides"), source.includes(i.name + "_ndim")] as [boolean, boolean, boolean],
  );
  const attributes = METAL_ATTRIBUTES.filter(([a]) => source.includes(a)).map(([a, t]) => `  ${t} ${a} [[${a}]]`);

  let kernelName = "custom_kernel_" + opts.name;
  let templateDef = "";
  if (template.length > 0) {
    templateDef = writeTemplate(template);
    let hash = templateDef.replace(/<|>|(, )/g, "_");
    hash = hash.slice(0, -1);
    kernelName += "_" + hash;
  }
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  for (const i of inputs) {
    kernelName += "_" + dtypeInfo(i.dtype).mlx;
    if (i.shape.length === 0) kernelName += "s";
    else if (size(i.shape) < MAX_CONSTANT_ARRAY_SIZE) kernelName += "c";
  }
  for (const d of opts.outputDtypes) kernelName += "_" + dtypeInfo(d).mlx;

  let s = header;
  if (template.length > 0) {
    s += "template <" + template.map(([n, v]) => `${templateArgType(v)} ${n}`).join(", ") + ">\n";
  }
  s += "[[kernel]] void " + kernelName + "(\n";
  let index = 0;
  inputs.forEach((arr, i) => {
    const location = size(arr.shape) < MAX_CONSTANT_ARRAY_SIZE ? "constant" : "device";
    const ref = arr.shape.length === 0 ? "&" : "*";
    s += `  const ${location} ${dtypeInfo(arr.dtype).mlx}${ref} ${arr.name} [[buffer(${index})]],\n`;
    index++;
    if (arr.shape.length > 0) {
      const [sh, st, nd] = shapeInfos[i]!;
      if (sh) s += `  const constant int* ${arr.name}_shape [[buffer(${index++})]],\n`;
      if (st) s += `  const constant int64_t* ${arr.name}_strides [[buffer(${index++})]],\n`;
      if (nd) s += `  const constant int& ${arr.name}_ndim [[buffer(${index++})]],\n`;
    }
  });
  opts.outputNames.forEach((name, i) => {
    const t = dtypeInfo(opts.outputDtypes[i]!).mlx;
    s += "  device " + (opts.atomicOutputs ? `atomic<${t}>` : t) + "* " + name + ` [[buffer(${index})]]`;
    // MLX compares the running buffer index (shape buffers included) here; reproduced as is.
    if (index < inputs.length + opts.outputNames.length - 1 || attributes.length > 0) s += ",\n";
    else s += ") {\n";
    index++;
  });
  attributes.forEach((attr, i) => {
    s += attr + (i < attributes.length - 1 ? ",\n" : ") {\n");
  });
  s += source + "\n}\n";
  if (template.length > 0) {
    const def = kernelName + templateDef;
    s += `\ntemplate [[host_name("${kernelName}")]] [[kernel]] decltype(${def}) ${def};\n`;
  }
  return { source: s, kernelName, attributes: attributes.map((a) => a.trim().split(/\s+/)[1]!), shapeInfos, templateDef };
}
