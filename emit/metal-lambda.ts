/**
 * Lambdas inside kernels (llm.c's `auto loop_step = [&](int t2) { ... };`): MSL has no lambda
 * expressions, so a lambda that only names code is inlined at each of its calls. Inlined: a lambda
 * declared `auto f = [&](T a, ...) { ... };` (or `[]`), with value parameters, no `return` of a value in its body
 * (a `return;` outside the body's loops and switches leaves it early: the body becomes `do { ... } while (0)`
 * and the `return;` a `break;`),
 * and called only as statements `f(x, ...);`, where none of the names its body takes from around it is
 * declared again between the lambda and a call (so every name means at the call what it meant at the
 * lambda, and `[&]`'s references are the variables themselves). Each call becomes a block that binds
 * the arguments, evaluated first, to the parameters and runs the body. Anything else stays refused
 * (C2M-K002), saying why.
 *
 * A lambda that returns a value or names its captures (cuda-samples' shfl_intimage_rows:
 * `auto idxToElem = [&result](unsigned int idx) -> const uint4 { switch (idx) { case 0: return result.x; ... } };`,
 * called inside expressions) becomes a function of the kernel's header instead (hoisted): each capture is
 * one more leading parameter, a `thread` reference for `&x` (the variable itself, as `[&x]` means), a copy
 * for `x`, its type a template parameter deduced at the call; every call `f(a)` passes the captured
 * variables first, `c2m_lambda_f(result, a)`. Hoisted only when every capture is a local variable of the
 * function, declared before the lambda (not a buffer, a shared array or a parameter: their address spaces
 * are the printer's to give), and the body uses no thread-position built-in and no other local of the
 * function. Pure: reads the function's tree.
 */
import type { CudaNode } from "../grammar/cuda.js";
import { declaratorName, field, fields, named, unparen, walk } from "../passes/kernel/cst.js";

export interface InlinedLambda {
  name: string;
  /** the declaration `auto f = [&](...) {...};` */
  decl: CudaNode;
  params: { type: CudaNode; name: string }[];
  body: CudaNode;
  /** the call statements `f(x);` */
  calls: CudaNode[];
  /** the body leaves early (`if (C <= 1) { return; }`, torch-ngp's write_sh): inlined as `do { ... } while (0)`, each `return;` a `break;` */
  earlyReturn?: boolean;
}

/** A lambda printed as a header function (see the file's comment). */
export interface HoistedLambda {
  name: string;
  /** the header function's name */
  helper: string;
  decl: CudaNode;
  lambda: CudaNode;
  params: { type: CudaNode; name: string }[];
  /** the trailing return type (`-> const uint4`), absent when deduced */
  returnType?: CudaNode;
  body: CudaNode;
  captures: { name: string; byReference: boolean }[];
}

/** Keyed by node start offset (tree-sitter hands out a new object per visit). */
export interface FunctionLambdas {
  /** the lambda's declaration → the lambda */
  inlined: Map<number, InlinedLambda>;
  /** call statement → the lambda it runs */
  calls: Map<number, InlinedLambda>;
  /** the lambda's declaration → the header function it becomes */
  hoisted: Map<number, HoistedLambda>;
  /** call expression → the hoisted lambda it calls */
  hoistedCalls: Map<number, HoistedLambda>;
  /** lambda expression → why it is not inlined */
  refused: Map<number, string>;
}

const lambdasOf = new WeakMap<CudaNode, FunctionLambdas>();

/** The lambdas of a function body, inlined or refused. */
export function functionLambdas(body: CudaNode): FunctionLambdas {
  let found = lambdasOf.get(body);
  if (found) return found;
  found = { inlined: new Map(), calls: new Map(), hoisted: new Map(), hoistedCalls: new Map(), refused: new Map() };
  walk(body, (n) => {
    if (n.type !== "lambda_expression") return;
    const r = inlinable(n, body);
    const h = typeof r === "string" && hoistedLambda.test(r) ? hoistable(n, body) : undefined;
    if (h && typeof h !== "string") {
      found!.hoisted.set(h.decl.startIndex, h);
      for (const c of callsOf(h.name, h.decl, body, h.params.length).calls) found!.hoistedCalls.set(c.startIndex, h);
    } else if (typeof r === "string") found!.refused.set(n.startIndex, h ?? r);
    else {
      found!.inlined.set(r.decl.startIndex, r);
      for (const c of r.calls) found!.calls.set(c.startIndex, r);
    }
  });
  lambdasOf.set(body, found);
  return found;
}

function inlinable(lambda: CudaNode, body: CudaNode): InlinedLambda | string {
  const init = lambda.parent;
  const decl = init?.type === "init_declarator" ? init.parent : undefined;
  const name = init ? field(init, "declarator")?.text : undefined;
  if (!decl || decl.type !== "declaration" || fields(decl, "declarator").length !== 1 || !name || !/^\w+$/.test(name))
    return "a lambda is inlined only when declared alone as `auto f = [&](...) { ... };`";
  const capture = named(lambda)
    .find((c) => c.type === "lambda_capture_specifier")
    ?.text.replace(/\s+/g, "");
  if (capture !== "[&]" && capture !== "[]") return `lambda '${name}' captures ${capture ?? "?"}: ${CAPTURES_NAMED}`;
  const fnBody = named(lambda).find((c) => c.type === "compound_statement");
  const declarator = named(lambda).find((c) => c.type === "abstract_function_declarator");
  const list = declarator ? named(declarator).find((c) => c.type === "parameter_list") : undefined;
  if (!fnBody) return `lambda '${name}' has no body c2m can inline`;
  const params: { type: CudaNode; name: string }[] = [];
  for (const p of list ? named(list) : []) {
    const t = field(p, "type");
    const d = field(p, "declarator");
    if (p.type !== "parameter_declaration" || !t || d?.type !== "identifier") return `lambda '${name}' takes '${p.text}': c2m inlines lambdas whose parameters are plain values`;
    params.push({ type: t, name: d.text });
  }
  let returns = false;
  let early = false;
  walk(fnBody, (n) => {
    if (n.type === "lambda_expression") return false;
    if (n.type !== "return_statement") return;
    // `return;` outside any loop or switch of the body leaves it as `break` leaves a `do { } while (0)`
    if (named(n).length === 0 && !insideBreakable(n, fnBody)) early = true;
    else returns = true;
  });
  if (returns) return `lambda '${name}' returns: ${RETURNS}`;
  // every other use of the name is a call statement `f(args);` with one argument per parameter
  const calls: CudaNode[] = [];
  let other: CudaNode | undefined;
  walk(body, (n) => {
    if (n.type !== "identifier" || n.text !== name || n.startIndex === field(init!, "declarator")!.startIndex) return;
    const call = n.parent;
    const statement = call?.parent;
    const args = call?.type === "call_expression" ? field(call, "arguments") : undefined;
    if (
      call?.type === "call_expression" &&
      field(call, "function")?.startIndex === n.startIndex &&
      statement?.type === "expression_statement" &&
      args &&
      named(args).length === params.length
    )
      calls.push(statement);
    else other ??= n;
  });
  if (other) return `lambda '${name}' is used other than called as a statement (${other.parent?.text.slice(0, 40)})`;
  // the names the body takes from around it keep their meaning at every call
  const free = freeNames(fnBody, new Set(params.map((p) => p.name)));
  for (const c of calls) {
    let clash: string | undefined;
    walk(body, (n) => {
      if (clash || n.startIndex < decl.endIndex || n.startIndex >= c.startIndex) return;
      const d = n.type === "declaration" || n.type === "parameter_declaration" ? fields(n, "declarator").map((x) => declaratorName(x)) : [];
      clash = d.find((x) => x && free.has(x));
    });
    if (clash) return `'${clash}', which lambda '${name}' uses, is declared again before its call at line ${c.startPosition.row + 1}`;
  }
  return { name, decl, params, body: fnBody, calls, ...(early ? { earlyReturn: true } : {}) };
}

const BREAKABLE = new Set(["for_statement", "for_range_loop", "while_statement", "do_statement", "switch_statement"]);

/** Whether a `break` at `n` would leave a loop or switch inside `body` rather than `body` itself. */
function insideBreakable(n: CudaNode, body: CudaNode): boolean {
  for (let p = n.parent; p && p.startIndex >= body.startIndex && !(p.startIndex === body.startIndex && p.endIndex === body.endIndex); p = p.parent)
    if (BREAKABLE.has(p.type)) return true;
  return false;
}

/** Whether `n` is a `return;` of an inlined lambda that leaves early (printed `break;`, see InlinedLambda.earlyReturn). */
export function earlyLambdaReturn(n: CudaNode, fnBody: CudaNode): boolean {
  if (n.type !== "return_statement") return false;
  for (const l of functionLambdas(fnBody).inlined.values()) if (l.earlyReturn && n.startIndex >= l.body.startIndex && n.endIndex <= l.body.endIndex) return true;
  return false;
}

/** Identifiers a body uses but does not declare itself. */
function freeNames(body: CudaNode, bound: Set<string>): Set<string> {
  const declared = new Set(bound);
  walk(body, (n) => {
    if (n.type === "declaration") for (const d of fields(n, "declarator")) declared.add(declaratorName(d) ?? "");
  });
  const out = new Set<string>();
  walk(body, (n) => {
    if (n.type === "identifier" && !declared.has(n.text) && unparen(n) === n) out.add(n.text);
  });
  return out;
}

/** A call statement of an inlined lambda, printed as a block: arguments first, then the parameters, then the body. */
export function printInlinedCall(call: CudaNode, l: InlinedLambda, print: (n: CudaNode) => string): string {
  const args = named(field(named(call)[0]!, "arguments")!);
  const bind = l.params.map((p, i) => `${print(p.type)} c2m_${l.name}_${i} = ${print(args[i]!)};`);
  const params = l.params.map((p, i) => `${print(p.type)} ${p.name} = c2m_${l.name}_${i};`);
  // the parameters in a block of their own: a loop's own variable may not be redeclared in the loop body's outer block
  const body = l.earlyReturn ? `do ${print(l.body)} while (0);` : print(l.body);
  return `{ ${bind.join(" ")} { ${params.join(" ")} ${body} } }  // c2m: lambda '${l.name}' inlined`;
}

const CAPTURES_NAMED = "c2m inlines lambdas that capture by reference ([&]) or nothing";
const RETURNS = "c2m inlines lambdas run for their effect, without return";
/** The statement-inlining refusals that a header function answers instead. */
const hoistedLambda = new RegExp(`${CAPTURES_NAMED.replace(/[[\]()]/g, "\\$&")}|${RETURNS}`);

/** Built-ins a header function does not see (the kernel's thread-position attributes are its own). */
const THREAD_BUILTINS = new Set(["threadIdx", "blockIdx", "blockDim", "gridDim"]);

/** Every use of `name` after its declaration: calls with `arity` arguments, or the first other use. */
function callsOf(name: string, decl: CudaNode, body: CudaNode, arity: number): { calls: CudaNode[]; other?: CudaNode } {
  const calls: CudaNode[] = [];
  let other: CudaNode | undefined;
  walk(body, (n) => {
    if (n.type !== "identifier" || n.text !== name || (n.startIndex >= decl.startIndex && n.endIndex <= decl.endIndex)) return;
    const call = n.parent;
    const args = call?.type === "call_expression" && field(call, "function")?.startIndex === n.startIndex ? field(call, "arguments") : undefined;
    if (args && named(args).length === arity) calls.push(call!);
    else other ??= n;
  });
  return { calls, other };
}

/** The lambda as a header function, or why it cannot be one. */
function hoistable(lambda: CudaNode, body: CudaNode): HoistedLambda | string {
  const init = lambda.parent!;
  const decl = init.parent!;
  const name = field(init, "declarator")!.text;
  const fnBody = named(lambda).find((c) => c.type === "compound_statement");
  const declarator = named(lambda).find((c) => c.type === "abstract_function_declarator");
  const list = declarator ? named(declarator).find((c) => c.type === "parameter_list") : undefined;
  const returnType = declarator ? named(declarator).find((c) => c.type === "trailing_return_type") : undefined;
  if (!fnBody) return `lambda '${name}' has no body c2m can carry`;
  const params: { type: CudaNode; name: string }[] = [];
  for (const p of list ? named(list) : []) {
    const t = field(p, "type");
    const d = field(p, "declarator");
    if (p.type !== "parameter_declaration" || !t || d?.type !== "identifier") return `lambda '${name}' takes '${p.text}': c2m carries lambdas whose parameters are plain values`;
    params.push({ type: t, name: d.text });
  }
  // the function's locals declared before the lambda: what a capture may name
  const locals = new Set<string>();
  walk(body, (n) => {
    if (n.startIndex >= decl.startIndex) return false;
    if (n.type === "declaration")
      for (const d of fields(n, "declarator"))
        if (d.type === "identifier" || (d.type === "init_declarator" && field(d, "declarator")?.type === "identifier")) locals.add(declaratorName(d) ?? "");
  });
  // every name the function declares, its parameters included: what the lambda may only reach through a capture
  const declared = new Set(locals);
  walk(body.parent ?? body, (n) => {
    if (n.type === "declaration" || n.type === "parameter_declaration") for (const d of fields(n, "declarator")) declared.add(declaratorName(d) ?? "");
  });
  const free = [...freeNames(fnBody, new Set(params.map((p) => p.name)))];
  const items = (named(lambda).find((c) => c.type === "lambda_capture_specifier")?.text ?? "[]")
    .replace(/^\[|\]$/g, "")
    .split(",")
    .map((x) => x.replace(/\s+/g, ""))
    .filter(Boolean);
  const captures: HoistedLambda["captures"] = [];
  for (const item of items) {
    if (item === "&" || item === "=")
      captures.push(...free.filter((f) => declared.has(f) && !items.includes(f) && !items.includes(`&${f}`)).map((f) => ({ name: f, byReference: item === "&" })));
    else if (/^&?[A-Za-z_]\w*$/.test(item)) captures.push({ name: item.replace(/^&/, ""), byReference: item.startsWith("&") });
    else return `lambda '${name}' captures '${item}': c2m carries captures of local variables by name, by reference or by copy`;
  }
  for (const c of captures)
    if (!locals.has(c.name))
      return `lambda '${name}' captures '${c.name}', which is not a local variable of the function declared before it (a buffer, a shared array or a parameter keeps its address space only in the function)`;
  // a copy is taken where the lambda is declared; the call passes the variable as it is then, so it must not change in between
  const changed = captures.find((c) => !c.byReference && changedAfter(c.name, decl, body));
  if (changed) return `lambda '${name}' captures '${changed.name}' by copy, and '${changed.name}' changes after the lambda is declared`;
  const captured = new Set(captures.map((c) => c.name));
  const builtin = free.find((f) => THREAD_BUILTINS.has(f));
  if (builtin) return `lambda '${name}' reads '${builtin}', which a Metal header function does not see`;
  const uncaptured = free.find((f) => declared.has(f) && !captured.has(f));
  if (uncaptured) return `lambda '${name}' uses '${uncaptured}', a local it does not capture`;
  const { other } = callsOf(name, decl, body, params.length);
  if (other) return `lambda '${name}' is used other than called (${other.parent?.text.slice(0, 40)})`;
  return { name, helper: `c2m_lambda_${name}`, decl, lambda, params, ...(returnType ? { returnType } : {}), body: fnBody, captures };
}

/** Whether `name` (or a field or element of it) is assigned, updated or has its address taken after `decl`. */
function changedAfter(name: string, decl: CudaNode, body: CudaNode): boolean {
  const rootName = (e: CudaNode): string | undefined => {
    let n = unparen(e);
    while (n.type === "field_expression" || n.type === "subscript_expression") n = unparen(field(n, "argument")!);
    return n.type === "identifier" ? n.text : undefined;
  };
  let found = false;
  walk(body, (n) => {
    if (found || n.endIndex <= decl.endIndex) return;
    const target =
      n.type === "assignment_expression"
        ? field(n, "left")
        : n.type === "update_expression"
          ? field(n, "argument")
          : n.type === "pointer_expression" && field(n, "operator")?.text === "&"
            ? field(n, "argument")
            : undefined;
    if (target && rootName(target) === name) found = true;
  });
  return found;
}

/**
 * The header function a hoisted lambda becomes: `template <typename c2m_C0> inline R c2m_lambda_f(thread c2m_C0& x, T a) { body }`,
 * the capture types deduced at the call.
 */
export function printHoistedLambda(h: HoistedLambda, kernel: string, print: (n: CudaNode) => string): string {
  const typeParams = h.captures.map((_, i) => `typename c2m_C${i}`);
  const params = [...h.captures.map((c, i) => (c.byReference ? `thread c2m_C${i}& ${c.name}` : `c2m_C${i} ${c.name}`)), ...h.params.map((p) => `${print(p.type)} ${p.name}`)];
  const ret = h.returnType ? print(named(h.returnType)[0] ?? h.returnType) : "auto";
  return [
    `// c2m: lambda '${h.name}' of '${kernel}' as a function (MSL has no lambda expressions); its captures are its first parameters`,
    `${typeParams.length ? `template <${typeParams.join(", ")}>\n` : ""}inline ${ret} ${h.helper}(${params.join(", ")}) ${print(h.body)}`,
  ].join("\n");
}

/** A call of a hoisted lambda: the captured variables, then the arguments. */
export function printHoistedCall(call: CudaNode, h: HoistedLambda, print: (n: CudaNode) => string): string {
  const args = named(field(call, "arguments")!).map((a) => print(a));
  return `${h.helper}(${[...h.captures.map((c) => c.name), ...args].join(", ")})`;
}
