/**
 * Pass `kernel-fn-templates`: a `__device__` function template over a function pointer, instantiated
 * with named functions (llm.c's `template <reduction_func_t warp_reduction> float blockReduce(float)`,
 * called as `blockReduce<warpReduceSum>(v)`), becomes one plain function per function it is given
 * (`blockReduce__warpReduceSum`, the parameter spelled as that function), which is what the compiler
 * does when it instantiates the template. Metal has no function pointers; a plain call it has.
 *
 * Reads the preprocessed text; writes a new text whose line `i` came from line `lineOf[i]` of the input:
 * the copies go just before the top-level item that first uses one (after the function it is given, which
 * that use needs declared) and point at the template's lines; the template's own lines are left empty. A
 * template stays as written (and C2M-K045 refuses what uses it) when it is not alone on its lines, or is
 * given anything but a `__device__` function of the file (a pointer variable, another template's parameter).
 * Pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, named, walk } from "./cst.js";

export interface Specialised {
  text: string;
  /** per output line (0-based), the input line it came from */
  lineOf: number[];
  /** template name → the functions it was specialised for */
  specialised: Map<string, string[]>;
}

/** `using fn = float (*)(float);` / `typedef float (*fn)(float);`: names of function-pointer types. */
function functionPointerAliases(root: CudaNode): Set<string> {
  const out = new Set<string>();
  walk(root, (n) => {
    if (n.type === "alias_declaration" && /\(\s*\*\s*\)\s*\(/.test(field(n, "type")?.text ?? "")) out.add(field(n, "name")!.text);
    if (n.type === "type_definition") {
      const m = /\(\s*\*\s*([A-Za-z_]\w*)\s*\)\s*\(/.exec(n.text);
      if (m) out.add(m[1]!);
    }
    return n.type === "translation_unit" || n.type === "namespace_definition" || n.type === "declaration_list" || n.type === "linkage_specification";
  });
  return out;
}

interface FnTemplate {
  node: CudaNode;
  name: string;
  param: string;
}

/** Top-level `template <fnptr P> __device__ R name(...) {...}` with that one parameter. */
function fnPointerTemplates(root: CudaNode, aliases: Set<string>): FnTemplate[] {
  const out: FnTemplate[] = [];
  walk(root, (n) => {
    if (n.type !== "template_declaration") return n.type === "translation_unit" || n.type === "namespace_definition" || n.type === "declaration_list";
    const params = named(field(n, "parameters") ?? n).filter((p) => p.type !== "comment");
    const fn = named(n).find((c) => c.type === "function_definition");
    if (params.length !== 1 || !fn || !/__device__/.test(fn.text.slice(0, (field(fn, "declarator")?.startIndex ?? fn.startIndex) - fn.startIndex))) return false;
    const p = params[0]!;
    const type = field(p, "type")?.text ?? "";
    const decl = field(p, "declarator");
    // `fnptr P` or `float (*P)(float)`
    const direct = p.type === "parameter_declaration" && aliases.has(type) && decl?.type === "identifier" ? decl.text : undefined;
    const spelled = p.type === "parameter_declaration" ? /^\(\s*\*\s*([A-Za-z_]\w*)\s*\)\s*\(/.exec(decl?.text ?? "")?.[1] : undefined;
    const param = direct ?? spelled;
    const name = field(field(fn, "declarator") ?? fn, "declarator")?.text;
    if (param && name && /^[A-Za-z_]\w*$/.test(name)) out.push({ node: n, name, param });
    return false;
  });
  return out;
}

export function specialiseFunctionTemplates(text: string): Specialised {
  const lines = text.split("\n");
  const identity = (): Specialised => ({ text, lineOf: lines.map((_, i) => i), specialised: new Map() });
  if (!/\btemplate\b/.test(text)) return identity();
  const root = parseCuda(text).rootNode;
  const templates = fnPointerTemplates(root, functionPointerAliases(root));
  if (!templates.length) return identity();
  const names = new Set(templates.map((t) => t.name));
  const deviceFunctions = new Set<string>();
  walk(root, (n) => {
    if (n.type === "function_definition" && /__device__/.test(n.text.slice(0, (field(n, "declarator")?.startIndex ?? n.startIndex) - n.startIndex))) {
      const d = field(field(n, "declarator") ?? n, "declarator")?.text;
      if (d) deviceFunctions.add(d);
    }
    return n.type !== "function_definition";
  });
  const specialised = new Map<string, string[]>();
  for (const name of names) {
    const params = new Set(templates.filter((t) => t.name === name).map((t) => t.param));
    const given = new Set<string>();
    let plain = true;
    for (const m of text.matchAll(new RegExp(`\\b${name}\\s*<([^<>;]*)>`, "g"))) {
      const arg = m[1]!.trim().replace(/^&\s*/, "");
      if (params.has(arg)) continue; // the template calling itself with its own parameter
      // a __device__ function of the file; a pointer variable or an expression is not followed
      if (deviceFunctions.has(arg)) given.add(arg);
      else plain = false;
    }
    // alone on its lines: the copies replace whole lines
    const alone = templates
      .filter((t) => t.name === name)
      .every((t) => !lines[t.node.startPosition.row]!.slice(0, t.node.startPosition.column).trim() && !lines[t.node.endPosition.row]!.slice(t.node.endPosition.column).trim());
    if (plain && alone && given.size) specialised.set(name, [...given].sort());
  }
  if (!specialised.size) return identity();
  const spell = (s: string) => {
    let out = s;
    for (const [name, fns] of specialised) for (const f of fns) out = out.replace(new RegExp(`\\b${name}\\s*<\\s*&?\\s*${f}\\s*>`, "g"), `${name}__${f}`);
    return out;
  };
  // the copies go just before the top-level item that first names one (after the function it is given, which
  // that use needs declared); the template's own lines are left empty
  const mine = templates.filter((t) => specialised.has(t.name));
  const inside = (i: number) => mine.some((t) => i >= t.node.startIndex && i < t.node.endIndex);
  const insertAt = new Map<number, { t: FnTemplate; f: string }[]>();
  for (const [name, fns] of specialised) {
    for (const f of fns) {
      const use = [...text.matchAll(new RegExp(`\\b${name}\\s*<\\s*&?\\s*${f}\\s*>`, "g"))].find((m) => !inside(m.index!));
      const item = use && named(root).find((c) => use.index! >= c.startIndex && use.index! < c.endIndex);
      if (!item || lines[item.startPosition.row]!.slice(0, item.startPosition.column).trim()) return identity();
      const at = insertAt.get(item.startPosition.row) ?? [];
      for (const t of mine.filter((x) => x.name === name)) at.push({ t, f });
      insertAt.set(item.startPosition.row, at);
    }
  }
  const blank = new Set(mine.flatMap((t) => Array.from({ length: t.node.endPosition.row - t.node.startPosition.row + 1 }, (_, j) => t.node.startPosition.row + j)));
  const outLines: string[] = [];
  const lineOf: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    for (const { t, f } of insertAt.get(i) ?? []) {
      const fn = named(t.node).find((c) => c.type === "function_definition")!;
      // the function without `template <...>`, the parameter spelled as the function, the function named for it
      // (its declarator is the name's first use)
      const copy = `${" ".repeat(fn.startPosition.column)}${text.slice(fn.startIndex, t.node.endIndex)}`
        .replace(new RegExp(`\\b${t.param}\\b`, "g"), f)
        .replace(new RegExp(`\\b${t.name}\\s*\\(`), `${t.name}__${f}(`)
        .split("\n");
      copy.forEach((l, j) => {
        outLines.push(spell(l));
        lineOf.push(fn.startPosition.row + j);
      });
    }
    outLines.push(blank.has(i) ? "" : spell(lines[i]!));
    lineOf.push(i);
  }
  return { text: outLines.join("\n"), lineOf, specialised };
}
