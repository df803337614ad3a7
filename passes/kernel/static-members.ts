/**
 * Pass `kernel-static-members`: a struct's static `__device__` member functions become free functions of the
 * file (pytorch_scatter's `template <typename scalar_t, ReductionType REDUCE> struct Reducer { static inline
 * __device__ void write(scalar_t *address, ...) }` → `template <typename scalar_t, ReductionType REDUCE> inline
 * __device__ void Reducer__write(scalar_t *address, ...)`), and device code's calls `Reducer<scalar_t,
 * REDUCE>::write(out + i, ...)` become `Reducer__write<scalar_t, REDUCE>(out + i, ...)`. A static member
 * function is a free function in a class's scope: what C++ means is unchanged, and the buffer analysis, which
 * follows a pointer into a file's `__device__` functions (ownership, atomics, reads and writes, the address
 * space of each pointer parameter), then follows it into the member too.
 *
 * A member is hoisted only when its body names nothing of its struct but the struct's template parameters and
 * its other hoisted members (a data member, a nested type or an instance member would need the object or the
 * scope: such a struct stays as written, and passes/kernel/member-calls.ts refuses a pointer handed to it), and
 * only from a struct template with no explicit or partial specialisation (whose members would differ by
 * template argument). Host code keeps its calls (the struct stays, for the host launcher's reading).
 *
 * Reads the preprocessed text; writes a new text whose line `i` came from line `lineOf[i]` of the input: the
 * free functions go right after the struct, each pointing at its member's lines. Pure.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import { field, kids, named, templateParamNames, walk } from "./cst.js";

export interface HoistedMembers {
  text: string;
  /** per output line (0-based), the input line it came from */
  lineOf: number[];
  /** `Struct::member` → the free function's name */
  hoisted: Map<string, string>;
}

interface StructInfo {
  name: string;
  /** `template <typename scalar_t, ReductionType REDUCE>` (empty for a plain struct) */
  templateHead: string;
  /** the template parameters' names, in order */
  params: string[];
  /** the node whose end the free functions follow (the template declaration, or the struct's declaration) */
  item: CudaNode;
  struct: CudaNode;
  members: CudaNode[];
}

/** Names a member function definition declares (`write` of `static void write(...)`). */
function memberName(fn: CudaNode): string | undefined {
  const d = field(fn, "declarator");
  const id = d && field(d, "declarator");
  return id && (id.type === "field_identifier" || id.type === "identifier") ? id.text : undefined;
}

function isStatic(fn: CudaNode): boolean {
  return kids(fn).some((c) => c.type === "storage_class_specifier" && c.text === "static");
}

/** Top-level structs (also in namespaces) with static `__device__` member functions. */
function structsWithStaticMembers(root: CudaNode): { structs: StructInfo[]; specialised: Set<string> } {
  const structs: StructInfo[] = [];
  const specialised = new Set<string>();
  walk(root, (n) => {
    if (n.type === "translation_unit" || n.type === "namespace_definition" || n.type === "declaration_list" || n.type === "linkage_specification") return true;
    const templ = n.type === "template_declaration" ? n : undefined;
    const s = templ
      ? named(templ).find((c) => c.type === "struct_specifier" || c.type === "class_specifier")
      : n.type === "struct_specifier" || n.type === "class_specifier"
        ? n
        : named(n).find((c) => c.type === "struct_specifier" || c.type === "class_specifier");
    const nameNode = s && field(s, "name");
    const body = s && field(s, "body");
    if (!s || !nameNode || !body) return false;
    if (nameNode.type === "template_type") {
      specialised.add(field(nameNode, "name")?.text ?? nameNode.text);
      return false;
    }
    const params = templ ? templateParamNames(templ) : [];
    if (!params) return false;
    const members = named(body).filter(
      (m) =>
        m.type === "function_definition" && isStatic(m) && /\b__device__\b/.test(m.text.slice(0, (field(m, "body")?.startIndex ?? m.endIndex) - m.startIndex)) && memberName(m),
    );
    if (!members.length) return false;
    const head = templ ? templ.text.slice(0, s.startIndex - templ.startIndex).trim() : "";
    structs.push({ name: nameNode.text, templateHead: head, params, item: templ ?? n, struct: s, members });
    return false;
  });
  return { structs, specialised };
}

/** Identifiers a struct body declares besides its static member functions (data members, nested types, instance members). */
function otherMemberNames(s: CudaNode): Set<string> {
  const out = new Set<string>();
  const body = field(s, "body");
  if (!body) return out;
  for (const m of named(body)) {
    if (m.type === "function_definition" && isStatic(m)) continue;
    walk(m, (n) => {
      if (n.type === "compound_statement" || n.type === "parameter_list") return false;
      if (n.type === "field_identifier" || n.type === "type_identifier" || n.type === "identifier") {
        if (
          n.parent &&
          (n.parent.type.endsWith("declarator") || n.parent.type === "field_declaration" || n.parent.type === "type_definition" || n.parent.type === "alias_declaration")
        )
          out.add(n.text);
      }
    });
  }
  return out;
}

export function hoistStaticMembers(text: string): HoistedMembers {
  const lines = text.split("\n");
  const identity: HoistedMembers = { text, lineOf: lines.map((_, i) => i), hoisted: new Map() };
  if (!/\bstatic\b[^;{}]*\b__device__\b|\b__device__\b[^;{}]*\bstatic\b/.test(text) || !/::/.test(text)) return identity;
  const root = parseCuda(text).rootNode;
  const { structs, specialised } = structsWithStaticMembers(root);
  const candidates = structs.filter((s) => !specialised.has(s.name) && structs.filter((t) => t.name === s.name).length === 1);
  // the struct must end its line: its free functions follow on the next lines
  const hoistable = candidates.filter((s) => {
    const others = otherMemberNames(s.struct);
    const mentionsOther = s.members.some((m) => [...m.text.matchAll(/(?<![.\w]|->)\b[A-Za-z_]\w*\b/g)].some((x) => others.has(x[0]) && !s.params.includes(x[0])));
    const end = s.item.endPosition;
    const rest = lines[end.row]!.slice(end.column).replace(/^\s*;/, "").trim();
    return !mentionsOther && !rest && !/\bthis\b/.test(s.members.map((m) => m.text).join("\n"));
  });
  if (!hoistable.length) return identity;
  const hoisted = new Map<string, string>();
  for (const s of hoistable) for (const m of s.members) hoisted.set(`${s.name}::${memberName(m)}`, `${s.name}__${memberName(m)}`);
  const byStruct = new Map(hoistable.map((s) => [s.name, s]));
  // `S<args>::m(` and `S::m(` in device code, and a member's unqualified call of a sibling, spelled as the free function
  const qualified = new RegExp(`\\b(${[...byStruct.keys()].join("|")})\\s*(<(?:[^<>;{}]|<[^<>;{}]*>)*>)?\\s*::\\s*([A-Za-z_]\\w*)\\s*(?=\\()`, "g");
  const spell = (code: string) =>
    code.replace(qualified, (all, name: string, args: string | undefined, member: string) => {
      const free = hoisted.get(`${name}::${member}`);
      if (!free) return all;
      return args ? `${free}${args.replace(/\s+/g, " ")}` : free;
    });
  const siblingCalls = (s: StructInfo, code: string) => {
    const names = new Set(s.members.map((m) => memberName(m)!));
    const args = s.params.length ? `<${s.params.join(", ")}>` : "";
    return code.replace(/(?<![.\w]|->|::)\b([A-Za-z_]\w*)\s*(?=\()/g, (all, id: string) => (names.has(id) ? `${s.name}__${id}${args}` : all));
  };
  // device code: the bodies of __global__ and __device__ functions outside the hoisted structs
  const edits: { start: number; end: number; text: string }[] = [];
  walk(root, (n) => {
    if (n.type !== "function_definition") return true;
    if (hoistable.some((s) => n.startIndex >= s.item.startIndex && n.endIndex <= s.item.endIndex)) return false;
    const body = field(n, "body");
    const lead = n.text.slice(0, (body?.startIndex ?? n.endIndex) - n.startIndex);
    if (body && /\b__(device|global)__\b/.test(lead)) {
      const spelled = spell(body.text);
      if (spelled !== body.text) edits.push({ start: body.startIndex, end: body.endIndex, text: spelled });
    }
    return false;
  });
  let edited = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) edited = edited.slice(0, e.start) + e.text + edited.slice(e.end);
  // line counts stay (an edit changes no newline), so the structs' rows still hold in the edited text
  const editedLines = edited.split("\n");
  const after = new Map<number, { text: string; row: number }[]>();
  for (const s of hoistable) {
    const copies: { text: string; row: number }[] = [];
    for (const m of s.members) {
      const name = memberName(m)!;
      const declarator = field(field(m, "declarator")!, "declarator")!;
      const head = text.slice(m.startIndex, declarator.startIndex).replace(/\bstatic\s+/, "");
      const rest = text.slice(declarator.endIndex, m.endIndex);
      const fn = `${s.templateHead ? `${s.templateHead} ` : ""}${head}${s.name}__${name}${siblingCalls(s, spell(rest))}`;
      fn.split("\n").forEach((l, j) => copies.push({ text: l, row: m.startPosition.row + j }));
    }
    after.set(s.item.endPosition.row, [...(after.get(s.item.endPosition.row) ?? []), ...copies]);
  }
  const out: string[] = [];
  const lineOf: number[] = [];
  editedLines.forEach((l, i) => {
    out.push(l);
    lineOf.push(i);
    for (const c of after.get(i) ?? []) {
      out.push(c.text);
      lineOf.push(c.row);
    }
  });
  return { text: out.join("\n"), lineOf, hoisted };
}
