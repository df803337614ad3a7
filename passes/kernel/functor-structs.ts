/**
 * Pass `kernel-functor-structs`: a family of function-object structs, a primary template and its partial or explicit
 * specialisations each holding only a `__device__ operator()` (pytorch_scatter's `template <typename scalar, size_t
 * size> struct AtomicAddDecimalImpl;` with `template <typename scalar> struct AtomicAddDecimalImpl<scalar, 4> {
 * inline __device__ void operator()(scalar *address, scalar val) {...} }` and `template <> struct
 * AtomicAddDecimalImpl<at::Half, 2> {...}`), called as `AtomicAddDecimalImpl<float, sizeof(float)>()(address, val)`,
 * becomes one free function per definition (`AtomicAddDecimalImpl__scalar_4`, `AtomicAddDecimalImpl__at_Half_2`),
 * and each call whose template arguments are known where it is written (scalar types, `sizeof` of one, integer
 * literals) calls the definition C++ picks for them: the one specialisation whose pattern they match, binding its own
 * parameters (`AtomicAddDecimalImpl__scalar_4<float>(address, val)`), else the primary's body. That is the
 * instantiation the compiler makes; an object with no state called at once is its operator's body. Metal then gets
 * plain function templates, whose pointer parameters take their address space as every helper's do, and the buffer
 * analysis follows a kernel's pointer into the operator's body (its atomics, reads and writes) as into any helper.
 *
 * A call whose arguments depend on a template parameter of the caller, or that no single specialisation matches,
 * stays as written (and what the printer says of it stands). Structs with data members, other members, a base or
 * `this` stay as written. Each definition is rewritten in place with its line breaks kept, so lines do not move.
 * Reads the preprocessed text; pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, named, templateParamNames, walk } from "./cst.js";
import { SCALAR_TYPES } from "./tables.js";

interface FunctorDef {
  name: string;
  /** the free function's name */
  free: string;
  /** its own template parameters' names (those of a partial specialisation, none for an explicit one) */
  params: string[];
  /** a specialisation's argument pattern (`scalar`, `4`); undefined for the primary template */
  pattern?: string[];
  /** the template declaration holding it, rewritten in place */
  item: CudaNode;
  /** the text that replaces the item */
  text: string;
}

/** Top-level commas of a template argument list's inside. */
function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of text) {
    if (ch === "<" || ch === "(") depth++;
    if (ch === ">" || ch === ")") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const squash = (s: string) => s.replace(/\s+/g, " ").trim();

/** A template argument known where it is written: a scalar type's name, an integer (`sizeof(float)` is 4); else undefined. */
function knownArg(arg: string): string | undefined {
  const a = squash(arg);
  const size = /^sizeof\s*\(\s*([\w:\s]+?)\s*\)$/.exec(a);
  if (size) return SCALAR_TYPES[size[1]!] ? String(SCALAR_TYPES[size[1]!]!.bits / 8) : undefined;
  if (/^\d+[uUlL]*$/.test(a)) return String(parseInt(a, 10));
  return SCALAR_TYPES[a] ? a : undefined;
}

/** Two known arguments the same: one integer, or types Metal spells alike (`int32_t` and `int`). */
function sameArg(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  return a === b || (!!SCALAR_TYPES[a] && SCALAR_TYPES[a]!.metal === SCALAR_TYPES[b]?.metal && SCALAR_TYPES[a]!.bits === SCALAR_TYPES[b]?.bits);
}

/** The struct's only member, a `__device__ operator()` definition; undefined for any other struct. */
function onlyCallOperator(body: CudaNode): CudaNode | undefined {
  const members = named(body).filter((m) => m.type !== "comment");
  const op = members[0];
  if (members.length !== 1 || op?.type !== "function_definition") return undefined;
  const fnBody = field(op, "body");
  const head = op.text.slice(0, (fnBody?.startIndex ?? op.endIndex) - op.startIndex);
  if (!fnBody || !/\boperator\s*\(\s*\)\s*\(/.test(head) || !/\b__device__\b/.test(head) || /\bthis\b/.test(fnBody.text)) return undefined;
  return op;
}

/** Every line break of `from` kept, in order, after `text` squashed onto one line (the item's lines do not move). */
function keepLines(text: string, from: string): string {
  return squash(text) + "\n".repeat((from.match(/\n/g) ?? []).length);
}

function functorDefs(root: CudaNode): Map<string, FunctorDef[]> {
  const defs = new Map<string, FunctorDef[]>();
  const rejected = new Set<string>();
  walk(root, (n) => {
    if (n.type === "translation_unit" || n.type === "namespace_definition" || n.type === "declaration_list") return true;
    if (n.type !== "template_declaration") return false;
    const s = named(n).find((c) => c.type === "struct_specifier" || c.type === "class_specifier");
    const nameNode = s && field(s, "name");
    if (!s || !nameNode) return false;
    const name = nameNode.type === "template_type" ? (field(nameNode, "name")?.text ?? "") : nameNode.text;
    const body = field(s, "body");
    if (!body) return false; // the primary's declaration alone: no body to carry
    const op = onlyCallOperator(body);
    const params = templateParamNames(n);
    if (!op || !params || named(s).some((c) => c.type === "base_class_clause")) {
      rejected.add(name);
      return false;
    }
    const argList = nameNode.type === "template_type" ? field(nameNode, "arguments") : undefined;
    const pattern = argList ? splitArgs(argList.text.replace(/^<|>$/g, "")).map(squash) : undefined;
    const free = `${name}__${pattern ? pattern.map((p) => p.replace(/\W+/g, "_")).join("_") : "call"}`;
    const fnBody = field(op, "body")!;
    const head = op.text.slice(0, fnBody.startIndex - op.startIndex).replace(/\boperator\s*\(\s*\)\s*(?=\()/, free);
    const templ = params.length ? `template <${field(n, "parameters")!.text.replace(/^<|>$/g, "")}> ` : "";
    // the struct's text up to the operator's body, and from its end to the struct's, hold the line breaks that go
    const before = n.text.slice(0, fnBody.startIndex - n.startIndex);
    const after = n.text.slice(fnBody.endIndex - n.startIndex);
    const text = `${keepLines(templ + head, before)}${fnBody.text}${keepLines("", after)}`;
    const list = defs.get(name) ?? [];
    list.push({ name, free, params, item: n, text, ...(pattern ? { pattern } : {}) });
    defs.set(name, list);
    return false;
  });
  for (const r of rejected) defs.delete(r);
  return defs;
}

/** The definition C++ instantiates for known arguments, and the arguments of its own parameters; undefined when not exactly one. */
function pick(defs: FunctorDef[], args: string[]): { def: FunctorDef; bound: string[] } | undefined {
  const matches: { def: FunctorDef; bound: string[] }[] = [];
  for (const d of defs) {
    if (!d.pattern) continue;
    if (d.pattern.length !== args.length) continue;
    const binding = new Map<string, string>();
    const ok = d.pattern.every((p, i) => {
      const arg = args[i]!;
      if (d.params.includes(p)) {
        if (binding.has(p) && binding.get(p) !== arg) return false;
        binding.set(p, arg);
        return true;
      }
      return sameArg(knownArg(p), arg);
    });
    if (ok && d.params.every((p) => binding.has(p))) matches.push({ def: d, bound: d.params.map((p) => binding.get(p)!) });
  }
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) return undefined; // partial ordering of several matches: not decided here
  const primary = defs.find((d) => !d.pattern);
  return primary && primary.params.length === args.length ? { def: primary, bound: args } : undefined;
}

export function callFunctorsDirectly(text: string): string {
  if (!/\boperator\s*\(\s*\)\s*\(/.test(text) || !/\(\s*\)\s*\(/.test(text)) return text;
  const root = parseCuda(text).rootNode;
  const defs = functorDefs(root);
  // a family named anywhere but in a call of it (an object passed on, host code's functor, a declaration) keeps its structs
  for (const [name, list] of defs) {
    const items = list.map((d) => [d.item.startIndex, d.item.endIndex] as const);
    const outside = [...text.matchAll(new RegExp(`\\b${name}\\b`, "g"))].filter((m) => !items.some(([s, e]) => m.index >= s && m.index < e));
    const calls = new RegExp(`^${name}\\s*<((?:[^<>;{}]|<[^<>;{}]*>)*)>\\s*\\(\\s*\\)\\s*\\(`);
    const declaration = (at: number) => /template\s*<[^;{}]*>\s*struct\s+$/.test(text.slice(Math.max(0, at - 200), at));
    if (outside.some((m) => !declaration(m.index) && !calls.test(text.slice(m.index, m.index + 300)))) defs.delete(name);
  }
  if (!defs.size) return text;
  const call = new RegExp(`\\b(${[...defs.keys()].join("|")})\\s*<((?:[^<>;{}]|<[^<>;{}]*>)*)>\\s*\\(\\s*\\)\\s*\\(`, "g");
  const spell = (code: string) =>
    code.replace(call, (all, name: string, inside: string) => {
      const args = splitArgs(inside).map(knownArg);
      if (args.some((a) => a === undefined)) return all;
      const chosen = pick(defs.get(name)!, args as string[]);
      if (!chosen) return all;
      return `${chosen.def.free}${chosen.bound.length ? `<${chosen.bound.join(", ")}>` : ""}(`;
    });
  const edits: { start: number; end: number; text: string }[] = [];
  for (const list of defs.values()) for (const d of list) edits.push({ start: d.item.startIndex, end: d.item.endIndex, text: spell(d.text) });
  // calls in device code outside the families (the families' own bodies were spelled with their text)
  walk(root, (n) => {
    if (n.type !== "function_definition") return true;
    if (edits.some((e) => n.startIndex >= e.start && n.endIndex <= e.end)) return false;
    const body = field(n, "body");
    const lead = n.text.slice(0, (body?.startIndex ?? n.endIndex) - n.startIndex);
    if (body && /\b__(device|global)__\b/.test(lead)) {
      const spelled = spell(body.text);
      if (spelled !== body.text) edits.push({ start: body.startIndex, end: body.endIndex, text: spelled });
    }
    return false;
  });
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
