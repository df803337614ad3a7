/**
 * Pass `kernel-namespaces`: functions of the same name in different namespaces stay distinct. The kernel
 * passes key device functions by name and print them without their namespace (Metal's header holds a
 * kernel's helpers side by side), so SGEMM_CUDA's `wt::loadFromGmem`, `db::loadFromGmem` and an
 * anonymous namespace's `loadFromGmem` would be one name. Each non-kernel function defined in a named
 * namespace whose name is also defined outside that namespace is renamed `ns__name` (`a__b__name` when
 * nested): at its definition and every unqualified use inside the namespace, and every qualified use
 * `ns::name` anywhere (the same length, so columns stay put there). A qualified use of any other function
 * of a named namespace loses its qualifier, as the printed function has lost its namespace. Kernels keep
 * their names (the module's functions and the CUDA original's launches use them).
 *
 * Reads the preprocessed text; writes a text of the same lines (names change length only within a line).
 * The CUDA original --verify runs keeps the text before (it has the namespaces). Pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, named, qualifierWords } from "./cst.js";

interface NsFunction {
  name: string;
  /** `a::b`; "" at file scope or in an anonymous namespace (whose names the enclosing scope sees unqualified) */
  ns: string;
  kernel: boolean;
}

interface NsRange {
  ns: string;
  start: number;
  end: number;
}

export interface NamespacesMangled {
  text: string;
  /** `wt::loadFromGmem` → `wt__loadFromGmem` */
  renamed: Map<string, string>;
}

export function mangleNamespaces(text: string): NamespacesMangled {
  if (!/\bnamespace\b/.test(text)) return { text, renamed: new Map() };
  const root = parseCuda(text).rootNode;
  const fns: NsFunction[] = [];
  const ranges: NsRange[] = [];
  const visit = (n: CudaNode, ns: string): void => {
    for (const c of named(n)) {
      if (c.type === "namespace_definition") {
        const name = field(c, "name")?.text.replace(/\s+/g, "");
        const inner = name ? (ns ? `${ns}::${name}` : name) : ns;
        const body = field(c, "body");
        if (name && body) ranges.push({ ns: inner, start: body.startIndex, end: body.endIndex });
        if (body) visit(body, inner);
        continue;
      }
      if (c.type === "linkage_specification" || c.type === "declaration_list" || c.type.startsWith("preproc_if") || c.type === "preproc_else") {
        visit(c, ns);
        continue;
      }
      const fn = c.type === "template_declaration" ? named(c).find((x) => x.type === "function_definition") : c.type === "function_definition" ? c : undefined;
      const name = fn ? field(field(fn, "declarator") ?? fn, "declarator")?.text : undefined;
      if (fn && name && /^[A-Za-z_]\w*$/.test(name)) fns.push({ name, ns, kernel: qualifierWords(fn).includes("__global__") });
    }
  };
  visit(root, "");
  const renamed = new Map<string, string>();
  for (const f of fns) {
    if (!f.ns || f.kernel) continue;
    if (fns.some((g) => g.name === f.name && g.ns !== f.ns)) renamed.set(`${f.ns}::${f.name}`, `${f.ns.replace(/::/g, "__")}__${f.name}`);
  }
  // every function of a named namespace is printed without it: a qualified use names it plainly (or by its new name)
  const qualified = new Map(fns.filter((f) => f.ns && !f.kernel).map((f) => [`${f.ns}::${f.name}`, renamed.get(`${f.ns}::${f.name}`) ?? f.name]));
  if (!qualified.size) return { text, renamed };
  const edits: { start: number; end: number; text: string }[] = [];
  const taken = (i: number) => edits.some((e) => i >= e.start && i < e.end);
  // qualified uses anywhere: `wt::loadFromGmem`, `::wt::loadFromGmem`
  for (const [q, to] of qualified) {
    const re = new RegExp(
      `(?<![\\w:])(?:::\\s*)?${q
        .split("::")
        .map((p) => `${p}\\s*::\\s*`)
        .join("")
        .slice(0, -"\\s*::\\s*".length)}\\b`,
      "g",
    );
    for (const m of text.matchAll(re)) if (!taken(m.index!)) edits.push({ start: m.index!, end: m.index! + m[0].length, text: to });
  }
  // unqualified uses inside the namespace (its definition included), the innermost namespace deciding
  for (const r of [...ranges].sort((a, b) => b.ns.length - a.ns.length)) {
    for (const [q, to] of renamed) {
      const name = q.slice(q.lastIndexOf("::") + 2);
      const ns = q.slice(0, q.lastIndexOf("::"));
      if (ns !== r.ns) continue;
      const re = new RegExp(`(?<![\\w.:]|->)${name}\\b`, "g");
      re.lastIndex = r.start;
      for (let m = re.exec(text); m && m.index < r.end; m = re.exec(text)) if (!taken(m.index)) edits.push({ start: m.index, end: m.index + name.length, text: to });
    }
  }
  edits.sort((a, b) => a.start - b.start);
  let out = "";
  let pos = 0;
  for (const e of edits) {
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return { text: out + text.slice(pos), renamed };
}
