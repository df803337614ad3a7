/**
 * Pass `kernel-traits-params`: a kernel template over a traits struct (causal-conv1d's
 * `template <typename Ktraits> __global__ void k(...)`, with `Ktraits::kNThreads`, `typename
 * Ktraits::input_t`), which MLX's template list cannot take (it takes dtypes, ints and bools). The
 * traits struct is a template of the file (`template <int kNThreads_, int kWidth_, typename input_t_>
 * struct Causal_conv1d_update_kernel_traits`) whose members are aliases and constants of its own
 * parameters; the kernel takes those parameters instead, and each `Ktraits::X` becomes X's definition
 * in them (`typename Ktraits::input_t` → `input_t_`, `Ktraits::kNBytes` → `(sizeof(input_t_))`), or
 * `Traits<kNThreads_, ...>::X` where X is not an alias or a constant. The traits struct is the one
 * template struct of the file holding every member the kernel names. A kernel naming the traits
 * parameter any other way (passing it on as a template argument) stays as written. Same lines before
 * and after. Pure: text in, text out.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, fields, named, qualifierWords, walk } from "./cst.js";

interface Traits {
  name: string;
  /** the template parameter list's items as written (`int kNThreads_`, `typename input_t_`) */
  params: string[];
  /** the parameters' names */
  paramNames: string[];
  /** member → its definition (an alias's type, a constant's value in parentheses) */
  members: Map<string, string>;
  /** every member name, resolvable or not */
  names: Set<string>;
}

function traitsStructs(root: CudaNode): Traits[] {
  const out: Traits[] = [];
  for (const t of named(root)) {
    if (t.type !== "template_declaration") continue;
    const s = named(t).find((c) => c.type === "struct_specifier" || c.type === "class_specifier");
    const body = s ? field(s, "body") : null;
    const name = s ? field(s, "name")?.text : undefined;
    const plist = field(t, "parameters");
    if (!s || !body || !name || !plist || /</.test(name)) continue;
    const params = named(plist).map((p) => p.text.replace(/\s+/g, " "));
    const paramNames = named(plist).map((p) => (p.text.match(/([A-Za-z_]\w*)\s*(?:=[^,]*)?$/) ?? [])[1] ?? "");
    const members = new Map<string, string>();
    const names = new Set<string>();
    for (const m of named(body)) {
      if (m.type === "alias_declaration") {
        const n = field(m, "name")?.text;
        if (n) members.set(n, field(m, "type")?.text ?? "");
      } else if (m.type === "type_definition") {
        for (const d of fields(m, "declarator")) members.set(d.text, field(m, "type")?.text ?? "");
      } else if (m.type === "field_declaration") {
        const decl = field(m, "declarator");
        const value = field(m, "default_value");
        if (decl?.type === "field_identifier") {
          names.add(decl.text);
          if (value && /\bstatic\b/.test(m.text) && /\bconstexpr\b|\bconst\b/.test(m.text)) members.set(decl.text, `(${value.text})`);
        }
      } else {
        const n = field(m, "name")?.text ?? (m.type === "function_definition" ? undefined : undefined);
        if (n) names.add(n);
      }
    }
    for (const k of members.keys()) names.add(k);
    out.push({ name, params, paramNames, members, names });
  }
  return out;
}

/** X's definition in the traits parameters: members it names resolved too (a few levels). */
function resolve(t: Traits, text: string, depth = 0): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (depth > 6) return flat;
  return flat.replace(/(?<![.\w]|::|->)([A-Za-z_]\w*)\b/g, (m, id: string) => (t.members.has(id) ? resolve(t, t.members.get(id)!, depth + 1) : m));
}

const USE = (p: string) => new RegExp(`(typename\\s+)?\\b${p}\\s*::\\s*(?:template\\s+)?([A-Za-z_]\\w*)`, "g");

export function unfoldTraitsParams(source: string): string {
  if (!/__global__/.test(source) || !/template/.test(source)) return source;
  const root = parseCuda(source).rootNode;
  const all = traitsStructs(root);
  if (!all.length) return source;
  const edits: { start: number; end: number; text: string }[] = [];
  walk(root, (n) => {
    if (n.type !== "template_declaration") return;
    const fn = named(n).find((c) => c.type === "function_definition");
    const plist = field(n, "parameters");
    if (!fn || !plist || !qualifierWords(fn).includes("__global__")) return false;
    for (const p of named(plist)) {
      if (p.type !== "type_parameter_declaration") continue;
      const P = p.text.replace(/^(typename|class)\s+/, "").trim();
      if (!/^[A-Za-z_]\w*$/.test(P)) continue;
      const text = fn.text;
      const used = new Set([...text.matchAll(USE(P))].map((m) => m[2]!));
      // the parameter named other than as P::X: left as written
      const bare = text.replace(USE(P), "").match(new RegExp(`\\b${P}\\b`));
      if (!used.size || bare) continue;
      const cands = all.filter((t) => [...used].every((u) => t.names.has(u)));
      if (cands.length !== 1) continue;
      const t = cands[0]!;
      const others = named(plist).filter((q) => q !== p && !(q.startIndex === p.startIndex && q.endIndex === p.endIndex));
      if (t.paramNames.some((x) => !x || others.some((q) => new RegExp(`\\b${x}\\b`).test(q.text)) || new RegExp(`\\b${x}\\b`).test(text))) continue;
      edits.push({ start: p.startIndex, end: p.endIndex, text: t.params.join(", ") });
      const inst = `${t.name}<${t.paramNames.join(", ")}>`;
      for (const m of text.matchAll(USE(P))) {
        const start = fn.startIndex + m.index!;
        const def = t.members.get(m[2]!);
        const scoped = /^\s*::/.test(source.slice(start + m[0].length, start + m[0].length + 8));
        if (def === undefined) {
          edits.push({ start, end: start + m[0].length, text: `${m[1] ?? ""}${inst}::${m[2]}` });
          continue;
        }
        const r = resolve(t, def);
        // `typename Ktraits::BlockLoadT::TempStorage`: still a dependent name after the alias is followed
        edits.push({ start, end: start + m[0].length, text: m[1] && scoped && !/^typename\b/.test(r) ? `typename ${r}` : r });
      }
    }
    return false;
  });
  let out = source;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
