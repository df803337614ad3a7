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
 * given anything but a `__device__` function of the file (a pointer variable, an expression).
 *
 * A `__global__` kernel template over a function pointer is specialised the same way (llm.c's
 * `template <matmul_fn_ptr matmul_tri> __global__ void trimul_global`, kernel `trimul_global__matmul_tri_naive`).
 * Its argument is often a host launcher template's own parameter (`trimul_launcher<matmul_tri>` launching
 * `trimul_global<matmul_tri><<<...>>>`): then the functions it is given are those the launcher is
 * instantiated with (`trimul_launcher<matmul_tri_naive>(...)`). `instances` says which template and argument
 * each specialised kernel is, and `kernelCopies` holds the kernels' copies, which the CUDA original that
 * --verify runs gets appended (it launches each specialised kernel by name, as the translation is called). Pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, named, walk } from "./cst.js";

export interface Specialised {
  text: string;
  /** per output line (0-based), the input line it came from */
  lineOf: number[];
  /** template name → the functions it was specialised for */
  specialised: Map<string, string[]>;
  /** a specialised kernel (`trimul_global__matmul_tri_naive`) → the template and argument it instantiates */
  instances: Map<string, { kernel: string; templateArgs: string[] }>;
  /** the specialised kernels' text, for the CUDA original that --verify runs */
  kernelCopies: string;
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

/** The qualifiers before a function's declarator (`__global__ void __launch_bounds__(256, 2)`). */
function leadText(fn: CudaNode): string {
  return fn.text.slice(0, (field(fn, "declarator")?.startIndex ?? fn.startIndex) - fn.startIndex);
}

/** Top-level `template <fnptr P> __device__ R name(...) {...}` (or `__global__`, or, `host`, a host function) with that one parameter. */
function fnPointerTemplates(root: CudaNode, aliases: Set<string>, host = false): FnTemplate[] {
  const out: FnTemplate[] = [];
  walk(root, (n) => {
    if (n.type !== "template_declaration") return n.type === "translation_unit" || n.type === "namespace_definition" || n.type === "declaration_list";
    const params = named(field(n, "parameters") ?? n).filter((p) => p.type !== "comment");
    const fn = named(n).find((c) => c.type === "function_definition");
    if (params.length !== 1 || !fn || /__device__|__global__/.test(leadText(fn)) === host) return false;
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

/** The arguments a host launcher template is instantiated with (`trimul_launcher<matmul_tri_naive>(...)`), outside itself. */
function instantiations(text: string, launcher: FnTemplate): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(new RegExp(`\\b${launcher.name}\\s*<([^<>;]*)>`, "g"))) {
    if (m.index! >= launcher.node.startIndex && m.index! < launcher.node.endIndex) continue;
    out.add(m[1]!.trim().replace(/^&\s*/, ""));
  }
  return [...out];
}

export function specialiseFunctionTemplates(text: string): Specialised {
  const lines = text.split("\n");
  const identity = (): Specialised => ({ text, lineOf: lines.map((_, i) => i), specialised: new Map(), instances: new Map(), kernelCopies: "" });
  if (!/\btemplate\b/.test(text)) return identity();
  const root = parseCuda(text).rootNode;
  const aliases = functionPointerAliases(root);
  const templates = fnPointerTemplates(root, aliases);
  if (!templates.length) return identity();
  const launchers = fnPointerTemplates(root, aliases, true);
  const names = new Set(templates.map((t) => t.name));
  const deviceFunctions = new Set<string>();
  walk(root, (n) => {
    if (n.type === "function_definition" && /__device__/.test(leadText(n))) {
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
      const within = (t: FnTemplate) => m.index! >= t.node.startIndex && m.index! < t.node.endIndex;
      // the template calling itself with its own parameter
      if (params.has(arg) && templates.some((t) => t.name === name && t.param === arg && within(t))) continue;
      // a host launcher template's own parameter: the functions the launcher is instantiated with
      const launcher = launchers.find((l) => l.param === arg && within(l));
      const args = launcher ? instantiations(text, launcher) : [arg];
      // a __device__ function of the file; a pointer variable or an expression is not followed
      for (const a of args) {
        if (deviceFunctions.has(a)) given.add(a);
        else plain = false;
      }
      if (!args.length) plain = false;
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
  const instances = new Map<string, { kernel: string; templateArgs: string[] }>();
  // the first use of `name<f>`, or else of `L<f>` for a launcher template L instantiating `name<its parameter>`
  const firstUse = (name: string, f: string) => {
    const via = launchers.filter((l) => new RegExp(`\\b${name}\\s*<\\s*&?\\s*${l.param}\\s*>`).test(l.node.text)).map((l) => l.name);
    for (const n of [name, ...via]) {
      const use = [...text.matchAll(new RegExp(`\\b${n}\\s*<\\s*&?\\s*${f}\\s*>`, "g"))].find((m) => !inside(m.index!));
      if (use) return use;
    }
    return undefined;
  };
  for (const [name, fns] of specialised) {
    const kernel = mine.some((t) => t.name === name && /__global__/.test(leadText(named(t.node).find((c) => c.type === "function_definition")!)));
    for (const f of fns) {
      if (kernel) instances.set(`${name}__${f}`, { kernel: name, templateArgs: [f] });
      const use = firstUse(name, f);
      const item = use && named(root).find((c) => use.index! >= c.startIndex && use.index! < c.endIndex);
      if (!item || lines[item.startPosition.row]!.slice(0, item.startPosition.column).trim()) return identity();
      const at = insertAt.get(item.startPosition.row) ?? [];
      for (const t of mine.filter((x) => x.name === name)) at.push({ t, f });
      insertAt.set(item.startPosition.row, at);
    }
  }
  const blank = new Set(mine.flatMap((t) => Array.from({ length: t.node.endPosition.row - t.node.startPosition.row + 1 }, (_, j) => t.node.startPosition.row + j)));
  const outLines: string[] = [];
  const kernelCopies: string[] = [];
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
      if (instances.has(`${t.name}__${f}`)) kernelCopies.push(copy.map(spell).join("\n"));
      copy.forEach((l, j) => {
        outLines.push(spell(l));
        lineOf.push(fn.startPosition.row + j);
      });
    }
    outLines.push(blank.has(i) ? "" : spell(lines[i]!));
    lineOf.push(i);
  }
  return { text: outLines.join("\n"), lineOf, specialised, instances, kernelCopies: kernelCopies.join("\n") };
}
