/**
 * Pass `kernel-host-constants`: a file-scope `__constant__` array (or scalar) with no initializer that the
 * host fills with `cudaMemcpyToSymbol(name, ...)` (cuda-samples' convolutionSeparable `c_Kernel`) has no
 * place in Metal, whose program-scope `constant` data is fixed in the shader source. What an MLX kernel
 * does have is an input array (Metal reads a small one from its `constant` address space), so each kernel
 * that reads the variable takes it as one more parameter, `const T* __restrict__ name` (`const T name` for
 * a scalar), appended to its parameter list: inside the kernel the parameter stands for the file-scope name,
 * and the host's copy becomes that argument. The file's launches are left as written: a host launcher has
 * no array for the new parameter and is not translated (C2M-K014, passes/kernel/host.ts), never a call one
 * argument short. A device function reading the variable keeps
 * the refusal (C2M-K017): only kernels are given the parameter. Same lines and the same columns before
 * each insertion, so diagnostics stay located. Pure: text in, text out.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { declaratorName, field, fields, named, qualifierWords, walk } from "./cst.js";
import { SCALAR_TYPES, VECTOR_TYPES } from "./tables.js";

export interface CarriedConstant {
  name: string;
  kernel: string;
  /** the kernel's first read of it (0-based) */
  row: number;
  column: number;
  /** the `__constant__` declaration's line (0-based) */
  declRow: number;
}

interface HostConstant {
  name: string;
  param: string;
  declRow: number;
}

const WRITTEN_BY_HOST = /\bcudaMemcpyToSymbol(?:Async)?\s*\(\s*([A-Za-z_]\w*)\b/g;

/** File-scope `__constant__ T name[N];` / `__constant__ T name;` of a number type, no initializer, not extern. */
function uninitialisedConstants(root: CudaNode, written: Set<string>): Map<string, HostConstant> {
  const out = new Map<string, HostConstant>();
  walk(root, (n) => {
    if (n.type !== "declaration") return ["translation_unit", "namespace_definition", "declaration_list", "preproc_if", "preproc_ifdef", "preproc_else"].includes(n.type);
    const quals = qualifierWords(n);
    if (!quals.includes("__constant__") || quals.some((q) => q === "extern")) return false;
    const type = field(n, "type")?.text.replace(/\s+/g, " ").trim() ?? "";
    if (!SCALAR_TYPES[type] && !VECTOR_TYPES[type]) return false;
    for (const d of fields(n, "declarator")) {
      const name = declaratorName(d);
      if (!name || !written.has(name)) continue;
      // one dimension (`c[N]`) or none; `c[3][3]` and initialised ones are not carried
      const oneDim = d.type === "array_declarator" && field(d, "declarator")?.type === "identifier";
      if (oneDim) out.set(name, { name, param: `const ${type}* __restrict__ ${name}`, declRow: n.startPosition.row });
      else if (d.type === "identifier") out.set(name, { name, param: `const ${type} ${name}`, declRow: n.startPosition.row });
    }
    return false;
  });
  return out;
}

/** The first read of `name` in the body, unless a local of that name shadows it somewhere in it. */
function firstUse(body: CudaNode, name: string): CudaNode | undefined {
  let use: CudaNode | undefined;
  let shadowed = false;
  walk(body, (n) => {
    if (n.type === "declaration" && fields(n, "declarator").some((d) => declaratorName(d) === name)) shadowed = true;
    if (n.type === "identifier" && n.text === name && !use) use = n;
  });
  return shadowed ? undefined : use;
}

export function carryHostConstants(source: string): { text: string; carried: CarriedConstant[] } {
  if (!/\bcudaMemcpyToSymbol/.test(source) || !/\b__constant__\b/.test(source)) return { text: source, carried: [] };
  const written = new Set([...source.matchAll(WRITTEN_BY_HOST)].map((m) => m[1]!));
  const root = parseCuda(source).rootNode;
  const constants = uninitialisedConstants(root, written);
  if (!constants.size) return { text: source, carried: [] };
  const edits: { at: number; text: string }[] = [];
  const carried: CarriedConstant[] = [];
  walk(root, (n) => {
    if (n.type !== "function_definition") return true;
    if (!qualifierWords(n).includes("__global__")) return false;
    const decl = field(n, "declarator");
    const name = decl ? declaratorName(decl) : undefined;
    const list = decl && decl.type === "function_declarator" ? field(decl, "parameters") : null;
    const body = field(n, "body");
    // `(void)`: nothing to append to
    if (!name || !list || !body || /^\(\s*void\s*\)$/.test(list.text)) return false;
    const own = new Set(named(list).map((p) => declaratorName(field(p, "declarator"))));
    const params: string[] = [];
    for (const c of constants.values()) {
      const use = own.has(c.name) ? undefined : firstUse(body, c.name);
      if (!use) continue;
      params.push(c.param);
      carried.push({ name: c.name, kernel: name, row: use.startPosition.row, column: use.startPosition.column, declRow: c.declRow });
    }
    if (!params.length) return false;
    edits.push({ at: list.endIndex - 1, text: `${named(list).length ? ", " : ""}${params.join(", ")}` });
    return false;
  });
  let text = source;
  for (const e of edits.sort((a, b) => b.at - a.at)) text = text.slice(0, e.at) + e.text + text.slice(e.at);
  return { text, carried };
}
