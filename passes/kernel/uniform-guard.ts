/**
 * Launch guards that only print and trap (llm.c's layernorm_backward_kernel9:
 * `if (C % (32 * x128::size) != 0) { if (threadIdx.x == 0 && blockIdx.x == 0) printf("..."); __trap(); }`).
 * Metal can neither print (os_log needs a logging-enabled library MLX does not set up) nor trap; but where the
 * condition depends only on the kernel's scalar arguments and compile-time constants (uniform: no thread or
 * threadgroup index, no memory), every thread of the launch sees the same value, so the whole launch traps or
 * none of it does. The check then moves to the Python wrapper, which raises ValueError (with the printf's text)
 * before the launch, and the statement is left out of the Metal. Only a statement of the kernel's body itself
 * (not inside a loop or branch), with no `return` before it, whose body is printf calls (possibly under
 * conditions of their own) and an unconditional `__trap()` / `assert(false)` / `abort()`, is taken; anything
 * else keeps C2M-K002 at the printf or trap. Constants: integer literals, object-like macros, and a struct
 * template's `static constexpr` integer member reached through a typedef (`x128::size` with `typedef
 * Packed128<floatX> x128`), evaluated with sizeof of CUDA's scalar and vector types. Pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import type { KFunction, KernelUnit } from "../../ir/kernel.js";
import { calleeName, callArgs, field, kids, named, unparen, walk } from "./cst.js";
import { pyName, pythonMacros } from "./host-names.js";
import { SCALAR_TYPES, VECTOR_TYPES } from "./tables.js";

export interface TrapGuard {
  /** the `if` statement, left out of the Metal */
  node: CudaNode;
  /** the condition as Python (the kernel's scalar parameters by their Python names) */
  python: string;
  /** what the wrapper raises with: the printf's text, else the condition */
  message: string;
  /**
   * int parameters the guard needs to be multiples of a constant to pass (`C % (32 * x128::size) != 0`, or several
   * such tests joined by `||`): a synthesised launch (src/kernel/synth-spec.ts) rounds their values up to one
   */
  multiples?: Record<string, number>;
}

const TRAPS = /^(__trap|abort|__brkpt)$/;
const INTEGER_PARAM = /^(int|unsigned|unsigned int|uint|long|long long|unsigned long|size_t|int32_t|int64_t|uint32_t|uint64_t|short|char|bool)$/;

/** The guards of `k` that move to the wrapper. */
export function trapGuards(unit: KernelUnit, k: KFunction): TrapGuard[] {
  const out: TrapGuard[] = [];
  for (const st of kids(k.body)) {
    if (st.type === "return_statement" || (st.type !== "if_statement" && hasReturn(st))) break;
    if (st.type !== "if_statement") continue;
    const guard = trapGuard(unit, k, st);
    if (guard) out.push(guard);
    else if (hasReturn(st)) break;
  }
  return out;
}

function hasReturn(n: CudaNode): boolean {
  let found = false;
  walk(n, (c) => {
    if (c.type === "return_statement") found = true;
    return !found;
  });
  return found;
}

function trapGuard(unit: KernelUnit, k: KFunction, st: CudaNode): TrapGuard | undefined {
  if (field(st, "alternative")) return undefined;
  const clause = field(st, "condition");
  const cond = clause?.type === "condition_clause" ? named(clause)[0] : clause;
  const body = field(st, "consequence");
  if (!cond || !body) return undefined;
  const top = body.type === "compound_statement" ? named(body).filter((c) => c.type !== "comment") : [body];
  if (!top.some(isTrap) || !top.every((s) => isTrap(s) || onlyPrints(s))) return undefined;
  let python: string | undefined;
  try {
    python = new GuardPython(unit, k).expr(cond);
  } catch {
    return undefined;
  }
  let message = `${k.name}: its guard '${cond.text.replace(/\s+/g, " ")}' holds, where the CUDA kernel traps`;
  let printed = false;
  walk(body, (c) => {
    if (printed || c.type !== "call_expression" || calleeName(c) !== "printf") return;
    const f = callArgs(c)[0];
    if (f?.type !== "string_literal") return;
    printed = true;
    message = `${k.name}: ${f.text.slice(1, -1).replace(/\\n/g, " ").replace(/\\(.)/g, "$1").trim()}`;
  });
  const multiples = guardMultiples(unit, k, cond);
  return { node: st, python, message, ...(multiples ? { multiples } : {}) };
}

/**
 * `P % K != 0` (or `P % K`) tests joined by `||`, P an int parameter and K a positive constant: the values P must be
 * a multiple of for the guard to pass; undefined for any other condition.
 */
function guardMultiples(unit: KernelUnit, k: KFunction, cond: CudaNode): Record<string, number> | undefined {
  const out: Record<string, number> = {};
  const visit = (e: CudaNode): boolean => {
    e = unparen(e);
    const op = e.type === "binary_expression" ? field(e, "operator")!.text : undefined;
    if (op === "||") return visit(field(e, "left")!) && visit(field(e, "right")!);
    let rem = e;
    if (op === "!=") {
      const r = unparen(field(e, "right")!);
      if (r.type !== "number_literal" || Number(r.text.replace(/[uUlL]+$/, "")) !== 0) return false;
      rem = unparen(field(e, "left")!);
    }
    if (rem.type !== "binary_expression" || field(rem, "operator")!.text !== "%") return false;
    const p = unparen(field(rem, "left")!);
    const param = p.type === "identifier" ? k.params.find((x) => x.name === p.text && x.type.kind === "scalar" && INTEGER_PARAM.test(x.type.name)) : undefined;
    const m = constInt(unit, field(rem, "right")!);
    if (!param || m === undefined || m <= 0) return false;
    out[param.name] = Math.max(out[param.name] ?? 1, m);
    return true;
  };
  return visit(cond) && Object.keys(out).length ? out : undefined;
}

/** An integer constant of literals and `X::m` static members (staticMember), with + - * /; else undefined. */
function constInt(unit: KernelUnit, e: CudaNode): number | undefined {
  const u = unparen(e);
  if (u.type === "number_literal") return /^\d+[uUlL]*$/.test(u.text) ? parseInt(u.text, 10) : undefined;
  if (u.type === "qualified_identifier") return staticMember(unit, u);
  if (u.type !== "binary_expression") return undefined;
  const l = constInt(unit, field(u, "left")!);
  const r = constInt(unit, field(u, "right")!);
  if (l === undefined || r === undefined) return undefined;
  const op = field(u, "operator")!.text;
  return op === "+" ? l + r : op === "-" ? l - r : op === "*" ? l * r : op === "/" && r !== 0 ? Math.trunc(l / r) : undefined;
}

function callOf(s: CudaNode): CudaNode | undefined {
  const e = s.type === "expression_statement" ? named(s)[0] : undefined;
  return e?.type === "call_expression" ? e : undefined;
}

function isTrap(s: CudaNode): boolean {
  const c = callOf(s);
  const name = c ? calleeName(c) : undefined;
  if (!c || !name) return false;
  if (TRAPS.test(name)) return true;
  const a = callArgs(c)[0];
  return name === "assert" && !!a && /^(0|false)$/.test(unparen(a).text);
}

/** printf calls, possibly under conditions of their own (no else): nothing else happens */
function onlyPrints(s: CudaNode): boolean {
  if (s.type === "comment") return true;
  if (s.type === "compound_statement") return named(s).every(onlyPrints);
  if (s.type === "if_statement") return !field(s, "alternative") && !!field(s, "consequence") && onlyPrints(field(s, "consequence")!) && !hasCall(field(s, "condition")!);
  const c = callOf(s);
  return !!c && calleeName(c) === "printf";
}

function hasCall(n: CudaNode): boolean {
  let found = false;
  walk(n, (c) => {
    if (c.type === "call_expression" || c.type === "assignment_expression" || c.type === "update_expression") found = true;
    return !found;
  });
  return found;
}

class NotUniform extends Error {}

/** A uniform integer condition as Python; throws NotUniform on anything else. */
class GuardPython {
  private readonly macros: Map<string, string>;
  constructor(
    private readonly unit: KernelUnit,
    private readonly k: KFunction,
  ) {
    this.macros = pythonMacros(unit);
  }

  expr(e: CudaNode): string {
    switch (e.type) {
      case "number_literal": {
        const t = e.text.replace(/'/g, "").replace(/[uUlL]+$/, "");
        if (!/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) throw new NotUniform();
        return String(Number(t));
      }
      case "true":
        return "True";
      case "false":
        return "False";
      case "identifier": {
        const p = this.k.params.find((x) => x.name === e.text);
        if (p && p.type.kind === "scalar" && INTEGER_PARAM.test(p.type.name)) return pyName(p.name);
        const m = this.macros.get(e.text);
        if (m !== undefined && /^[\d\s+\-*()%/]+$/.test(m)) return `(${m})`;
        throw new NotUniform();
      }
      case "qualified_identifier": {
        const v = staticMember(this.unit, e);
        if (v === undefined) throw new NotUniform();
        return String(v);
      }
      case "parenthesized_expression":
        return `(${this.expr(named(e)[0]!)})`;
      case "unary_expression": {
        const op = field(e, "operator")!.text;
        const a = this.expr(field(e, "argument")!);
        if (op === "!") return `(not ${a})`;
        if (op === "-" || op === "+") return `(${op}${a})`;
        throw new NotUniform();
      }
      case "binary_expression": {
        const op = field(e, "operator")!.text;
        const l = this.expr(field(e, "left")!);
        const r = this.expr(field(e, "right")!);
        // C's integer division truncates toward zero and its remainder takes the dividend's sign (exact in a
        // float64 for the 32-bit values a kernel's int parameters hold)
        if (op === "/") return `int((${l}) / (${r}))`;
        if (op === "%") return `((${l}) - (${r}) * int((${l}) / (${r})))`;
        if (op === "&&") return `(${l} and ${r})`;
        if (op === "||") return `(${l} or ${r})`;
        if (/^(\+|-|\*|==|!=|<|>|<=|>=)$/.test(op)) return `(${l} ${op} ${r})`;
        throw new NotUniform();
      }
      default:
        throw new NotUniform();
    }
  }
}

/** `X::m`: a `static constexpr` integer member of the struct template X names through a typedef, evaluated; else undefined. */
export function staticMember(unit: KernelUnit, q: CudaNode): number | undefined {
  const scope = field(q, "scope")?.text;
  const member = field(q, "name")?.text;
  if (!scope || !member) return undefined;
  const typedefs = typedefMap(unit.root);
  const target = typedefs.get(scope);
  const structName = target?.type === "template_type" ? field(target, "name")?.text : target?.type === "type_identifier" ? target.text : scope;
  const args = target?.type === "template_type" ? named(field(target, "arguments")!).map((a) => a.text) : [];
  let value: number | undefined;
  walk(unit.root, (n) => {
    if (value !== undefined) return false;
    if (n.type !== "struct_specifier" || field(n, "name")?.text !== structName || !field(n, "body")) return;
    const tmpl = n.parent?.type === "template_declaration" ? n.parent : undefined;
    const params = tmpl
      ? named(field(tmpl, "parameters")!)
          .map((p) => named(p).find((c) => c.type === "type_identifier")?.text)
          .filter((x): x is string => !!x)
      : [];
    const env = new Map(params.map((p, i) => [p, args[i] ?? ""]));
    for (const f of named(field(n, "body")!)) {
      if (f.type !== "field_declaration" || !/\bstatic\b/.test(f.text) || !/\bconstexpr\b|\bconst\b/.test(f.text)) continue;
      const decl = field(f, "declarator");
      const init = field(f, "default_value") ?? named(f).at(-1);
      if (decl?.text !== member || !init) continue;
      value = constant(init, (t) => sizeOf(env.get(t) ?? t, typedefs));
    }
  });
  return value;
}

function typedefMap(root: CudaNode): Map<string, CudaNode> {
  const out = new Map<string, CudaNode>();
  walk(root, (n) => {
    if (n.type !== "type_definition") return;
    const name = field(n, "declarator")?.text;
    const type = field(n, "type");
    if (name && type) out.set(name, type);
    return false;
  });
  return out;
}

function sizeOf(type: string, typedefs: Map<string, CudaNode>, depth = 0): number | undefined {
  const t = type.replace(/\bconst\b/g, "").trim();
  const s = SCALAR_TYPES[t];
  if (s) return s.bits / 8;
  const v = VECTOR_TYPES[t];
  const e = v ? SCALAR_TYPES[v.elem] : undefined;
  if (v && e) return (e.bits / 8) * v.width;
  const d = typedefs.get(t);
  return d && depth < 8 ? sizeOf(d.text, typedefs, depth + 1) : undefined;
}

/** An integer constant expression of literals and sizeof(type); undefined for anything else. */
function constant(e: CudaNode, size: (type: string) => number | undefined): number | undefined {
  const u = unparen(e);
  if (u.type === "number_literal") return /^\d+[uUlL]*$/.test(u.text) ? parseInt(u.text, 10) : undefined;
  if (u.type === "sizeof_expression") {
    const arg = named(u)[0];
    return arg ? size(unparen(arg).text) : undefined;
  }
  if (u.type === "binary_expression") {
    const l = constant(field(u, "left")!, size);
    const r = constant(field(u, "right")!, size);
    if (l === undefined || r === undefined) return undefined;
    const op = field(u, "operator")!.text;
    if (op === "+") return l + r;
    if (op === "-") return l - r;
    if (op === "*") return l * r;
    if (op === "/") return r === 0 ? undefined : Math.trunc(l / r);
    if (op === "%") return r === 0 ? undefined : l % r;
  }
  return undefined;
}
