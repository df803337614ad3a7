/**
 * Pass `kernel-accessors`: PyTorch-extension kernels take `at::PackedTensorAccessor32/64<T, N, Traits>`
 * parameters (a pointer with N sizes and strides, indexed `acc[b][c][i]`). MLX passes plain row-major
 * arrays, so before the kernel is analysed each accessor becomes a pointer and a sizes array
 * (`T* acc, const int64_t* acc_size`), `acc[b][c][i]` the flat index `((b) * acc_size[1] + (c)) *
 * acc_size[2] + (i)`, `acc.size(d)` `acc_size[d]`, `acc.stride(d)` the product of the sizes after d.
 * The caller passes the array and `mx.array(acc.shape)`. Same lines and columns before each change,
 * so diagnostics stay located. An accessor indexed with fewer than N subscripts (a sub-accessor) or
 * used any other way is reported (C2M-K026) and left as written. Pure: text in, text out.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { calleeName, callArgs, declaratorName, field, named, qualifierWords, walk } from "./cst.js";

export interface AccessorProblem {
  row: number;
  column: number;
  message: string;
}

interface Accessor {
  elem: string;
  rank: number;
  index: string;
}

const ACCESSOR = /^(?:const\s+)?(?:(?:at|torch)::)?(?:Generic)?PackedTensorAccessor(32|64)?\s*<\s*([^,<>]+(?:<[^<>]*>)?)\s*,\s*(\d+)\s*(?:,[^>]*(?:<[^<>]*>)?[^>]*)?>$/;

/** The accessor parameters of a kernel, by name. */
function accessorParams(fn: CudaNode): Map<string, Accessor & { param: CudaNode }> {
  const out = new Map<string, Accessor & { param: CudaNode }>();
  const plist = field(field(fn, "declarator")!, "parameters");
  for (const p of plist ? named(plist) : []) {
    if (p.type !== "parameter_declaration") continue;
    const decl = field(p, "declarator");
    const name = decl ? declaratorName(decl) : undefined;
    const typeText = p.text
      .slice(0, decl ? decl.startIndex - p.startIndex : undefined)
      .replace(/\s+/g, " ")
      .trim();
    const m = ACCESSOR.exec(typeText);
    if (name && m && decl?.type === "identifier") out.set(name, { elem: m[2]!.trim(), rank: Number(m[3]), index: m[1] === "32" ? "int32_t" : "int64_t", param: p });
  }
  return out;
}

export function lowerTensorAccessors(source: string): { text: string; problems: AccessorProblem[] } {
  if (!/PackedTensorAccessor/.test(source)) return { text: source, problems: [] };
  const root = parseCuda(source).rootNode;
  const edits: { start: number; end: number; text: string }[] = [];
  const problems: AccessorProblem[] = [];
  walk(root, (n) => {
    if (n.type !== "function_definition" || !qualifierWords(n).includes("__global__")) return;
    const accs = accessorParams(n);
    if (!accs.size) return false;
    for (const [name, a] of accs) edits.push({ start: a.param.startIndex, end: a.param.endIndex, text: `${a.elem}* ${name}, const ${a.index}* ${name}_size` });
    const body = field(n, "body")!;
    edits.push({ start: body.startIndex, end: body.endIndex, text: rewrite(body, accs, source, problems) });
    return false;
  });
  let text = source;
  for (const e of edits.sort((x, y) => y.start - x.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return { text, problems };
}

/** The node's text with every accessor use inside it lowered. */
function rewrite(node: CudaNode, accs: Map<string, Accessor>, src: string, problems: AccessorProblem[]): string {
  const lowered = lowerUse(node, accs, src, problems);
  if (lowered !== undefined) return lowered;
  if (node.type === "identifier" && accs.has(node.text) && !isDeclarationName(node)) {
    problems.push({
      row: node.startPosition.row,
      column: node.startPosition.column,
      message: `tensor accessor '${node.text}' used other than as ${node.text}[...] with all ${accs.get(node.text)!.rank} indices or ${node.text}.size(d)`,
    });
  }
  const children = node.children;
  if (!children.length) return src.slice(node.startIndex, node.endIndex);
  let out = "";
  let at = node.startIndex;
  for (const c of children) {
    out += src.slice(at, c.startIndex) + rewrite(c, accs, src, problems);
    at = c.endIndex;
  }
  return out + src.slice(at, node.endIndex);
}

function isDeclarationName(n: CudaNode): boolean {
  return n.parent?.type === "parameter_declaration";
}

/** `acc[i][j]` with all indices, `acc.size(d)`, `acc.stride(d)`: the lowered text; else undefined. */
function lowerUse(node: CudaNode, accs: Map<string, Accessor>, src: string, problems: AccessorProblem[]): string | undefined {
  if (node.type === "subscript_expression" && node.parent?.type !== "subscript_expression") {
    const indices: CudaNode[] = [];
    let base: CudaNode = node;
    while (base.type === "subscript_expression") {
      const idx = field(base, "indices") ?? field(base, "index");
      if (idx) indices.unshift(idx);
      base = field(base, "argument")!;
    }
    const a = base.type === "identifier" ? accs.get(base.text) : undefined;
    if (!a) return undefined;
    if (indices.length !== a.rank) {
      problems.push({
        row: node.startPosition.row,
        column: node.startPosition.column,
        message: `tensor accessor '${base.text}' has ${a.rank} dimensions and is indexed with ${indices.length}: a sub-accessor has no plain-array equivalent`,
      });
      return undefined;
    }
    const idx = indices.map((i) => `(${rewrite(i, accs, src, problems).replace(/^\[|\]$/g, "")})`);
    let flat = idx[0]!;
    for (let d = 1; d < idx.length; d++) flat = `(${flat} * ${base.text}_size[${d}] + ${idx[d]})`;
    return `${base.text}[${flat}]`;
  }
  if (node.type === "call_expression") {
    const fn = field(node, "function");
    const obj = fn?.type === "field_expression" ? field(fn, "argument") : null;
    const method = fn?.type === "field_expression" ? field(fn, "field")?.text : undefined;
    const a = obj?.type === "identifier" ? accs.get(obj.text) : undefined;
    if (!a || !obj) return undefined;
    const arg = callArgs(node)[0];
    if ((method === "size" || method === "stride") && arg && /^\d+$/.test(arg.text.trim())) {
      const d = Number(arg.text.trim());
      if (method === "size") return `${obj.text}_size[${d}]`;
      const after = Array.from({ length: a.rank - d - 1 }, (_, i) => `${obj.text}_size[${d + 1 + i}]`);
      return after.length ? `(${after.join(" * ")})` : "1";
    }
    if (method === "data" && callArgs(node).length === 0) return obj.text;
    void calleeName;
  }
  return undefined;
}
