/**
 * Lambdas inside kernels (llm.c's `auto loop_step = [&](int t2) { ... };`): MSL has no lambda
 * expressions, so a lambda that only names code is inlined at each of its calls. Inlined: a lambda
 * declared `auto f = [&](T a, ...) { ... };` (or `[]`), with value parameters, no `return` in its body,
 * and called only as statements `f(x, ...);`, where none of the names its body takes from around it is
 * declared again between the lambda and a call (so every name means at the call what it meant at the
 * lambda, and `[&]`'s references are the variables themselves). Each call becomes a block that binds
 * the arguments, evaluated first, to the parameters and runs the body. Anything else stays refused
 * (C2M-K002), saying why. Pure: reads the function's tree.
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
}

/** Keyed by node start offset (tree-sitter hands out a new object per visit). */
export interface FunctionLambdas {
  /** the lambda's declaration → the lambda */
  inlined: Map<number, InlinedLambda>;
  /** call statement → the lambda it runs */
  calls: Map<number, InlinedLambda>;
  /** lambda expression → why it is not inlined */
  refused: Map<number, string>;
}

const lambdasOf = new WeakMap<CudaNode, FunctionLambdas>();

/** The lambdas of a function body, inlined or refused. */
export function functionLambdas(body: CudaNode): FunctionLambdas {
  let found = lambdasOf.get(body);
  if (found) return found;
  found = { inlined: new Map(), calls: new Map(), refused: new Map() };
  walk(body, (n) => {
    if (n.type !== "lambda_expression") return;
    const r = inlinable(n, body);
    if (typeof r === "string") found!.refused.set(n.startIndex, r);
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
  if (capture !== "[&]" && capture !== "[]") return `lambda '${name}' captures ${capture ?? "?"}: c2m inlines lambdas that capture by reference ([&]) or nothing`;
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
  walk(fnBody, (n) => {
    if (n.type === "lambda_expression") return false;
    if (n.type === "return_statement") returns = true;
  });
  if (returns) return `lambda '${name}' returns: c2m inlines lambdas run for their effect, without return`;
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
  return { name, decl, params, body: fnBody, calls };
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
  return `{ ${bind.join(" ")} { ${params.join(" ")} ${print(l.body)} } }  // c2m: lambda '${l.name}' inlined`;
}
