/**
 * A static evaluator for host code (never run): an expression of a host function, with `#define`s,
 * file-scope constants, locals evaluated so far, dim3 components, tensor sizes and one-return helpers
 * (`cdiv(a, b)`) as numbers. Used by launch-spec.ts to size `--verify`'s launches.
 */
import { parseCuda, type CudaNode } from "../../grammar/cuda.js";
import type { KernelUnit } from "../../ir/kernel.js";
import { calleeName, callArgs, field, kids, named } from "../../passes/kernel/cst.js";
import type { GoldenBuffer } from "../verify/golden.js";
import { nameTable } from "../../ir/tables.js";

/** Why the launch could not be sized, with where (C2M-K021). */
export class LaunchUnknown extends Error {
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(message);
  }
}

export const SIZEOF: Record<string, number> = nameTable({
  char: 1,
  bool: 1,
  short: 2,
  half: 2,
  __half: 2,
  __nv_bfloat16: 2,
  int: 4,
  unsigned: 4,
  "unsigned int": 4,
  float: 4,
  uint: 4,
  long: 8,
  "long long": 8,
  double: 8,
  size_t: 8,
  float2: 8,
  int2: 8,
  float4: 16,
  int4: 16,
  uint4: 16,
  half2: 4,
  __half2: 4,
});

export interface Env {
  values: Map<string, number>;
  dim3: Map<string, [number, number, number]>;
  /** element type of a pointer variable */
  pointee: Map<string, string>;
  /** buffers found so far, by variable name */
  buffers: Map<string, GoldenBuffer & { cType: string }>;
  /** tensor variables: element counts (and 2-D+ shapes when given) */
  tensors: Map<string, number[]>;
  /** buffers that hold data before the first launch (tensor arguments, cudaMemcpy/cudaMemset targets) */
  initialized: Set<string>;
  /** buffers a launcher takes from its caller: in place where the kernel reads what it writes, else fresh outputs */
  callerData: Set<string>;
  /**
   * tensor parameters whose element count is a lower bound (launch-spec.ts trailingExtentUnsaid): grown where the
   * original reads past them, so a kernel that only writes one leaves elements MLX's fresh output cannot hold
   */
  lowerBound: Set<string>;
  pinned: Set<string>;
}

/** Evaluates an expression node of host code to a number, or throws LaunchUnknown. */
export function evaluate(n: CudaNode, env: Env, unit: KernelUnit, depth = 0): number {
  const fail = (why: string): never => {
    throw new LaunchUnknown(`cannot evaluate '${n.text.slice(0, 60)}': ${why}`, n.startPosition.row + 1);
  };
  if (depth > 50) fail("too deep");
  const ev = (c: CudaNode | null | undefined) => (c ? evaluate(c, env, unit, depth + 1) : fail("missing operand"));
  switch (n.type) {
    case "number_literal": {
      const t = n.text.replace(/[uUlLfF]+$/, "");
      const v = /^0[xX]/.test(t) ? Number.parseInt(t, 16) : Number(t);
      return Number.isFinite(v) ? v : fail("not a number");
    }
    case "true":
      return 1;
    case "false":
      return 0;
    case "identifier": {
      const v = env.values.get(n.text) ?? macroValue(n.text, env, unit, depth) ?? globalValue(n.text, env, unit, depth);
      return v ?? fail(`'${n.text}' is not a constant c2m can see`);
    }
    case "parenthesized_expression":
      return ev(named(n)[0]);
    case "sizeof_expression": {
      const t = (field(n, "type") ?? named(n)[0])?.text.replace(/[()]/g, "").replace(/\s+/g, " ").trim() ?? "";
      return SIZEOF[t] ?? SIZEOF[env.pointee.get(t) ?? ""] ?? fail(`sizeof(${t}) unknown`);
    }
    case "cast_expression": {
      const v = ev(field(n, "value"));
      return /int|long|size_t|unsigned|short|char/.test(field(n, "type")?.text ?? "") ? Math.trunc(v) : v;
    }
    case "unary_expression": {
      const v = ev(field(n, "argument"));
      const op = field(n, "operator")?.text ?? kids(n)[0]?.text;
      return op === "-" ? -v : op === "+" ? v : op === "~" ? ~v : op === "!" ? Number(!v) : fail(`operator ${op}`);
    }
    case "conditional_expression":
      return ev(field(n, "condition")) ? ev(field(n, "consequence")) : ev(field(n, "alternative"));
    case "binary_expression": {
      const a = ev(field(n, "left"));
      const b = ev(field(n, "right"));
      const op = field(n, "operator")?.text ?? kids(n)[1]?.text;
      const ints = Number.isInteger(a) && Number.isInteger(b);
      const ops: Record<string, () => number> = {
        "+": () => a + b,
        "-": () => a - b,
        "*": () => a * b,
        "/": () => (b === 0 ? fail("division by zero") : ints ? Math.trunc(a / b) : a / b),
        "%": () => (b === 0 ? fail("division by zero") : a % b),
        "<<": () => a * 2 ** b,
        ">>": () => Math.floor(a / 2 ** b),
        "&": () => a & b,
        "|": () => a | b,
        "^": () => a ^ b,
        "<": () => Number(a < b),
        ">": () => Number(a > b),
        "<=": () => Number(a <= b),
        ">=": () => Number(a >= b),
        "==": () => Number(a === b),
        "!=": () => Number(a !== b),
        "&&": () => Number(!!a && !!b),
        "||": () => Number(!!a || !!b),
        and: () => Number(!!a && !!b),
        or: () => Number(!!a || !!b),
      };
      return ops[op ?? ""]?.() ?? fail(`operator ${op}`);
    }
    case "call_expression":
      return evaluateCall(n, env, unit, depth, fail);
    case "field_expression": {
      const d = env.dim3.get(field(n, "argument")?.text ?? "");
      const f = field(n, "field")?.text;
      if (d && f && "xyz".includes(f) && f.length === 1) return d["xyz".indexOf(f)]!;
      return fail("not a dim3 component");
    }
    case "subscript_expression": {
      // x.sizes()[d]
      const m = /^(\w+)\s*\.\s*sizes\s*\(\s*\)$/.exec(field(n, "argument")?.text ?? "");
      const shape = m ? env.tensors.get(m[1]!) : undefined;
      const idx = named(n).find((c) => c.fieldName === "indices" || c.type === "subscript_argument_list");
      if (shape && idx) return shape[ev(named(idx)[0] ?? idx)] ?? fail("dimension out of range");
      return fail("not a tensor size");
    }
    default:
      return fail(`a ${n.type.replace(/_/g, " ")}`);
  }
}

function evaluateCall(n: CudaNode, env: Env, unit: KernelUnit, depth: number, fail: (why: string) => never): number {
  const fn = field(n, "function");
  const args = callArgs(n);
  const ev = (c: CudaNode | undefined) => (c ? evaluate(c, env, unit, depth + 1) : fail("missing argument"));
  // tensor methods
  if (fn?.type === "field_expression") {
    const obj = field(fn, "argument")?.text ?? "";
    const method = field(fn, "field")?.text;
    const shape = env.tensors.get(obj);
    if (shape && method === "numel") return shape.reduce((a, b) => a * b, 1);
    if (shape && (method === "size" || method === "stride")) {
      const d = ev(args[0]);
      const dim = d < 0 ? shape.length + d : d;
      if (method === "size") return shape[dim] ?? fail(`dimension ${d} of ${obj} (shape [${shape.join(", ")}]; give --shape ${obj}=...)`);
      return shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    }
    if (shape && method === "dim") return shape.length;
    return fail(`method ${method}`);
  }
  const name = (calleeName(n) ?? fn?.text ?? "").replace(/^std::/, "");
  if (name === "static_cast" || name === "int" || name === "size_t" || name === "long") return Math.trunc(ev(args[0]));
  const math: Record<string, (...v: number[]) => number> = {
    cdiv: (a, b) => Math.ceil(a! / b!),
    min: Math.min,
    max: Math.max,
    ceil: Math.ceil,
    floor: Math.floor,
    ceilf: Math.ceil,
    floorf: Math.floor,
    sqrt: Math.sqrt,
    abs: Math.abs,
    fminf: Math.min,
    fmaxf: Math.max,
  };
  if (math[name]) return math[name]!(...args.map(ev));
  // a helper of locals then a return: `int cdiv(int a, int b) { return (a + b - 1) / b; }`, mmcv's
  // `int GET_BLOCKS(const int N, const int num_threads = THREADS_PER_BLOCK) { int optimal = ...; int max = 4096; return min(optimal, max); }`
  const helper = findHelper(unit, name);
  if (helper) {
    const inner: Env = { ...env, values: new Map(env.values) };
    helper.params.forEach((p, i) =>
      inner.values.set(p.name, args[i] ? ev(args[i]) : p.default ? evaluate(p.default, inner, unit, depth + 1) : fail(`argument ${p.name} of ${name}`)),
    );
    for (const [local, value] of helper.locals) inner.values.set(local, evaluate(value, inner, unit, depth + 1));
    return evaluate(helper.ret, inner, unit, depth + 1);
  }
  // a function-like macro (`#define CEIL_DIV(M, N) (((M) + (N)-1) / (N))`): its body with the arguments put in, as the preprocessor does
  const macro = unit.macros.find((m) => m.name === name && m.node.type === "preproc_function_def");
  const body = macro ? (field(macro.node, "value")?.text ?? "").trim() : "";
  if (macro && body) {
    const params = named(field(macro.node, "parameters") ?? macro.node).map((p) => p.text);
    if (params.length !== args.length || params.some((p) => !/^[A-Za-z_]\w*$/.test(p))) return fail(`call of macro ${name}`);
    const given = new Map(params.map((p, i) => [p, `(${args[i]!.text})`]));
    return evaluate(parseExpr(body.replace(/[A-Za-z_]\w*/g, (id) => given.get(id) ?? id)), env, unit, depth + 1);
  }
  return fail(`call of ${name || "an expression"}`);
}

interface Helper {
  params: { name: string; default?: CudaNode }[];
  /** `int x = E;` declarations before the return, in order */
  locals: [string, CudaNode][];
  ret: CudaNode;
}

function findHelper(unit: KernelUnit, name: string): Helper | undefined {
  const f = unit.hostFunctions.find((h) => h.name === name) ?? unit.deviceFunctions.find((d) => d.name === name && d.qualifiers.includes("__host__"));
  if (!f) return undefined;
  const stmts = named(f.body).filter((c) => c.type !== "comment");
  const last = stmts[stmts.length - 1];
  const ret = last?.type === "return_statement" ? named(last)[0] : undefined;
  if (!ret) return undefined;
  const locals: [string, CudaNode][] = [];
  for (const st of stmts.slice(0, -1)) {
    if (st.type !== "declaration") return undefined;
    for (const d of named(st).filter((c) => c.type === "init_declarator")) {
      const id = field(d, "declarator");
      const value = field(d, "value");
      if (id?.type !== "identifier" || !value) return undefined;
      locals.push([id.text, value]);
    }
  }
  // parameters with their defaults, read from the declaration as written
  const plist = field(field(f.node.type === "function_definition" ? f.node : (named(f.node).find((c) => c.type === "function_definition") ?? f.node), "declarator")!, "parameters");
  const params = plist
    ? named(plist)
        .filter((p) => p.type === "parameter_declaration" || p.type === "optional_parameter_declaration")
        .map((p) => ({ name: /(\w+)\s*$/.exec(field(p, "declarator")?.text ?? "")?.[1] ?? "", ...(field(p, "default_value") ? { default: field(p, "default_value")! } : {}) }))
    : [];
  return { params, locals, ret };
}

const macroCache = new WeakMap<KernelUnit, Map<string, CudaNode | null>>();

/** A `#define NAME value` as a number (object-like macros only). */
function macroValue(name: string, env: Env, unit: KernelUnit, depth: number): number | undefined {
  let cache = macroCache.get(unit);
  if (!cache) macroCache.set(unit, (cache = new Map()));
  if (!cache.has(name)) {
    const m = unit.macros.find((x) => x.name === name && x.node.type === "preproc_def");
    const text = m ? (field(m.node, "value")?.text ?? "").trim() : "";
    let value: CudaNode | null = null;
    try {
      value = text ? parseExpr(text) : null;
    } catch {
      value = null;
    }
    cache.set(name, value);
  }
  const node = cache.get(name);
  return node ? evaluate(node, env, unit, depth + 1) : undefined;
}

/** A file-scope constant (`const int W = 37;`, `static constexpr int B = 4 * W;`) as a number. */
function globalValue(name: string, env: Env, unit: KernelUnit, depth: number): number | undefined {
  // initialised constants are in unit.constants (carried into kernels), the others in unit.globals
  const g = unit.constants.find((x) => x.name === name) ?? unit.globals.find((x) => x.name === name);
  if (!g || !/\b(const|constexpr)\b/.test(g.node.text)) return undefined;
  const init = named(g.node).find((c) => c.type === "init_declarator" && /^\s*\**\s*(\w+)/.exec(field(c, "declarator")?.text ?? "")?.[1] === name);
  const value = init ? field(init, "value") : null;
  return value ? evaluate(value, env, unit, depth + 1) : undefined;
}

export function newEnv(pins: Record<string, number>): Env {
  return {
    values: new Map(Object.entries(pins)),
    dim3: new Map(),
    pointee: new Map(),
    buffers: new Map(),
    tensors: new Map(),
    initialized: new Set(),
    callerData: new Set(),
    lowerBound: new Set(),
    pinned: new Set(Object.keys(pins)),
  };
}

export function parseExpr(text: string): CudaNode {
  const root = parseCuda(`long long c2m_expr = (${text});`).rootNode;
  const init = named(named(root)[0]!).find((c) => c.type === "init_declarator");
  if (!init || root.hasError) throw new LaunchUnknown(`cannot read '${text}'`);
  return field(init, "value")!;
}
