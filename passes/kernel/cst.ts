/** Small helpers over tree-sitter-cuda nodes, shared by the kernel passes and the Metal printer. */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KType } from "../../ir/kernel.js";
import { SCALAR_TYPES, VECTOR_TYPES } from "./tables.js";

export function kids(node: CudaNode): readonly CudaNode[] {
  return node.children;
}

export function named(node: CudaNode): readonly CudaNode[] {
  return node.namedChildren;
}

export function field(node: CudaNode, name: string): CudaNode | null {
  return node.childForFieldName(name);
}

export function fields(node: CudaNode, name: string): CudaNode[] {
  return node.childrenForFieldName(name);
}

/** Depth-first walk; return false from `visit` to skip a node's children. */
export function walk(node: CudaNode, visit: (n: CudaNode) => boolean | void): void {
  if (visit(node) === false) return;
  const children = node.children;
  for (let i = 0; i < children.length; i++) walk(children[i], visit);
}

export function descendants(node: CudaNode, types: string[]): CudaNode[] {
  const out: CudaNode[] = [];
  walk(node, (n) => {
    if (types.includes(n.type)) out.push(n);
  });
  return out;
}

/** Keywords and qualifiers written directly under a declaration or function definition. */
export function qualifierWords(node: CudaNode): string[] {
  const out: string[] = [];
  for (const c of kids(node)) {
    if (c.type === "type_qualifier" || c.type === "storage_class_specifier" || c.type === "function_specifier" || c.type === "attribute_specifier") out.push(c.text);
    else if (!c.isNamed && /^__\w+__$|^(static|inline|extern|const|volatile)$/.test(c.type)) out.push(c.type);
  }
  return out;
}

/** The identifier a (possibly nested) declarator names. */
export function declaratorName(decl: CudaNode | null): string | undefined {
  let d = decl;
  while (d) {
    if (d.type === "identifier" || d.type === "field_identifier" || d.type === "type_identifier") return d.text;
    if (d.type === "qualified_identifier") return d.text;
    const inner = field(d, "declarator") ?? named(d).find((c) => c.type.endsWith("declarator") || c.type === "identifier");
    if (!inner || inner === d) return undefined;
    d = inner;
  }
  return undefined;
}

/**
 * Whether a declarator declares a function: a prototype, also one returning a pointer or reference
 * (`float* pick(float*, int)` is a pointer_declarator around the function_declarator).
 */
export function declaresFunction(decl: CudaNode | null): boolean {
  let d = decl;
  while (d && d.type !== "function_declarator") {
    if (d.type === "init_declarator") return false;
    d = field(d, "declarator") ?? named(d).find((c) => c.type.endsWith("declarator")) ?? null;
  }
  return d !== null;
}

export function canonicalTypeName(text: string): string {
  const name = text
    .replace(/\s+/g, " ")
    .replace(/\s*::\s*/g, "::")
    .trim();
  return INTEGER_WORDS.test(name) ? canonicalInteger(name) : name;
}

/** A C integer type spelled in words (`unsigned long long int`, `long unsigned int`, `short int`). */
const INTEGER_WORDS = /^(?:(?:signed|unsigned|short|long|int|char) )*(?:signed|unsigned|short|long|int|char)$/;

/**
 * C lets the words of an integer type come in any order, `int` optional beside a size (nms's `unsigned long long
 * int`, `long unsigned int`): one spelling per type, sign first and no redundant `int`, so one table row serves all.
 */
function canonicalInteger(name: string): string {
  const words = name.split(" ");
  const count = (w: string) => words.filter((x) => x === w).length;
  const size = count("char") ? "char" : count("short") ? "short" : count("long") >= 2 ? "long long" : count("long") ? "long" : "int";
  if (count("unsigned")) return size === "int" ? "unsigned int" : `unsigned ${size}`;
  return size === "char" && count("signed") ? "signed char" : size;
}

/** A base type (the specifier part of a declaration) as a KType. */
export function baseType(spec: CudaNode | null, templateNames: Set<string>, structNames: Set<string>): KType {
  if (!spec) return { kind: "unknown", text: "" };
  const name = canonicalTypeName(spec.text);
  if (templateNames.has(name)) return { kind: "template", name };
  if (SCALAR_TYPES[name]) return { kind: "scalar", name };
  const vec = VECTOR_TYPES[name];
  if (vec) return { kind: "vector", elem: vec.elem, width: vec.width, name };
  if (structNames.has(name) || spec.type === "struct_specifier") return { kind: "struct", name: name.replace(/^struct /, "") };
  return { kind: "unknown", text: name };
}

/**
 * The full type of one declarator: wraps the base type in pointers / references as the declarator
 * says. Returns the innermost name too.
 */
export function declaratorType(base: KType, decl: CudaNode | null, leadingConst: boolean): { type: KType; name?: string; arrayDims: CudaNode[] } {
  const arrayDims: CudaNode[] = [];
  let type = base;
  let d = decl;
  let constNext = leadingConst;
  while (d) {
    if (d.type === "pointer_declarator") {
      const quals = kids(d)
        .filter((c) => c.type === "type_qualifier")
        .map((c) => c.text);
      type = { kind: "pointer", pointee: type, isConst: constNext, restrict: quals.some((q) => q.includes("restrict")) };
      constNext = quals.includes("const");
      d = field(d, "declarator");
    } else if (d.type === "reference_declarator") {
      type = { kind: "reference", target: type, isConst: constNext };
      d = named(d).find((c) => c.type !== "type_qualifier") ?? null;
    } else if (d.type === "array_declarator") {
      const size = field(d, "size");
      if (size) arrayDims.unshift(size);
      d = field(d, "declarator");
    } else if (d.type === "init_declarator") {
      d = field(d, "declarator");
    } else if (d.type === "parenthesized_declarator") {
      d = named(d)[0] ?? null;
    } else {
      return { type, name: d.type === "identifier" || d.type === "field_identifier" ? d.text : declaratorName(d), arrayDims };
    }
  }
  return { type, arrayDims };
}

export function typeText(t: KType): string {
  switch (t.kind) {
    case "scalar":
      return t.name;
    case "vector":
      return t.name;
    case "template":
      return t.name;
    case "struct":
      return t.name;
    case "pointer":
      return `${t.isConst ? "const " : ""}${typeText(t.pointee)}*`;
    case "reference":
      return `${t.isConst ? "const " : ""}${typeText(t.target)}&`;
    case "unknown":
      return t.text;
  }
}

export function position(node: CudaNode): { row: number; column: number } {
  return { row: node.startPosition.row, column: node.startPosition.column };
}

/** Strip parentheses around an expression. */
export function unparen(node: CudaNode): CudaNode {
  let n = node;
  while (n.type === "parenthesized_expression" && named(n).length === 1) n = named(n)[0];
  return n;
}

/**
 * Whether an expression's value is used: false for a statement of its own (`atomicAdd(p, 1);`), the left
 * side of a comma, a for loop's update or a cast to void, looking through parentheses.
 */
export function resultUsed(expr: CudaNode): boolean {
  let n = expr;
  while (n.parent?.type === "parenthesized_expression") n = n.parent;
  const up = n.parent;
  if (!up) return false;
  if (up.type === "expression_statement") return false;
  if (up.type === "comma_expression") return field(up, "left") === n || field(up, "left")?.startIndex === n.startIndex ? false : resultUsed(up);
  if (up.type === "for_statement") return field(up, "update")?.startIndex !== n.startIndex;
  if (up.type === "cast_expression" && field(up, "type")?.text.replace(/\s/g, "") === "void") return false;
  return true;
}

/** The callee name of a call_expression (`f`, `f<T>`, `ns::f`), without template arguments. */
export function calleeName(call: CudaNode): string | undefined {
  const fn = field(call, "function");
  if (!fn) return undefined;
  if (fn.type === "identifier") return fn.text;
  if (fn.type === "template_function") return field(fn, "name")?.text;
  if (fn.type === "qualified_identifier") return canonicalTypeName(fn.text.replace(/<.*$/s, ""));
  return undefined;
}

export function callArgs(call: CudaNode): CudaNode[] {
  const args = field(call, "arguments");
  return args ? named(args).filter((c) => c.type !== "comment") : [];
}

/**
 * A function body's text between its braces (`text`, whose first line starts at `column` of the
 * source), dedented to its least-indented line. Preprocessor lines (`#pragma unroll`) sit at column 0
 * whatever the nesting, so they do not count.
 */
export function dedentBody(text: string, column: number): string {
  const lines = (" ".repeat(column) + text).split("\n");
  const pad = Math.min(...lines.filter((l) => l.trim() && !l.trimStart().startsWith("#")).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(Math.min(pad, l.length - l.trimStart().length))).join("\n");
}

/** The index expressions of a subscript access (`a[i]`, `a[i][j]`), or of the subscript inside `node`. */
export function subscriptIndices(node: CudaNode): readonly CudaNode[] | undefined {
  const sub = node.type === "subscript_expression" ? node : (named(node).find((c) => c.type === "subscript_expression") ?? node);
  const idx = field(sub, "indices");
  return idx ? named(idx) : undefined;
}

/** Names assigned (=, op=, ++/--) or declared anywhere under a node. */
export function assignedIn(node: CudaNode): Set<string> {
  const out = new Set<string>();
  walk(node, (n) => {
    if (n.type === "assignment_expression") {
      const l = unparen(field(n, "left")!);
      if (l.type === "identifier") out.add(l.text);
    } else if (n.type === "update_expression") {
      const l = unparen(field(n, "argument")!);
      if (l.type === "identifier") out.add(l.text);
    } else if (n.type === "init_declarator" || (n.type === "declaration" && n.parent?.type === "for_statement")) {
      const d = field(n, "declarator");
      if (d?.type === "identifier") out.add(d.text);
    }
  });
  return out;
}

/** The counter of `for (...; ...; i++)` / `i += s`: the one variable the update clause assigns, assigned nowhere in the body. */
export function loopCounter(loop: CudaNode): string | undefined {
  const update = loop.type === "for_statement" ? field(loop, "update") : null;
  const body = field(loop, "body");
  if (!update || !body) return undefined;
  const stepped = [...assignedIn(update)];
  return stepped.length === 1 && !assignedIn(body).has(stepped[0]!) ? stepped[0] : undefined;
}

/** A C integer literal's value (`1U`, `0x1F`, `-3`, `256ll`: suffixes dropped), or undefined for anything else. */
export function cIntegerLiteral(text: string): number | undefined {
  const m = /^(-?)(0[xX][0-9a-fA-F]+|\d+)[uUlL]*$/.exec(text.trim());
  if (!m) return undefined;
  const v = Number.parseInt(m[2]!, /^0[xX]/.test(m[2]!) ? 16 : 10);
  return m[1] ? -v : v;
}

/** Template parameter names of a `template <...>` declaration (undefined when one is a pack or has no name). */
export function templateParamNames(decl: CudaNode): string[] | undefined {
  const list = field(decl, "parameters");
  if (!list) return [];
  const out: string[] = [];
  for (const p of named(list)) {
    if (p.type === "comment") continue;
    const id = [...named(p)].reverse().find((c) => c.type === "identifier" || c.type === "type_identifier");
    const name = field(p, "declarator")?.text ?? field(p, "name")?.text ?? id?.text;
    if (!name || !/^[A-Za-z_]\w*$/.test(name) || /\.\.\./.test(p.text)) return undefined;
    out.push(name);
  }
  return out;
}
