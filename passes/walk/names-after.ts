/**
 * Whether a name may be read after a statement of a function: branches that leave a variable in different layouts
 * need to agree only where something reads it afterwards (diffusers' TemporalResnetBlock rebinds its `temb`
 * parameter under an `if` and never reads it again: no layout needs deciding for it, least of all the parameter's).
 * Conservative: any later occurrence of the name counts, any occurrence in a nested function or lambda (a closure
 * may read it later), and everything is live when the statement sits in a loop of the function (the loop comes back).
 */
import { namedChildren, type SyntaxNode } from "../../grammar/python.js";

const LOOPS = new Set(["for_statement", "while_statement"]);
const SCOPES = new Set(["function_definition", "lambda", "class_definition"]);

const cache = new WeakMap<SyntaxNode, Set<string> | null>();

/** The names `fn` may read after `stmt` (null: any, the statement is in a loop). */
function namesAfter(fn: SyntaxNode, stmt: SyntaxNode): Set<string> | null {
  if (cache.has(stmt)) return cache.get(stmt)!;
  let out: Set<string> | null = new Set();
  for (let p = stmt.parent; p && p !== fn; p = p.parent) if (LOOPS.has(p.type)) out = null;
  if (out) {
    const visit = (n: SyntaxNode, nested: boolean): void => {
      if (n.type === "identifier" && (nested || n.startIndex >= stmt.endIndex)) out!.add(n.text);
      for (const c of n.namedChildren) visit(c, nested || SCOPES.has(c.type));
    };
    const body = fn.childForFieldName("body");
    if (body) visit(body, false);
  }
  cache.set(stmt, out);
  return out;
}

/** Whether `name` may be read in `fn` after `stmt` (true when unsure: no function, a loop around the statement). */
export function readAfter(fn: SyntaxNode | undefined, stmt: SyntaxNode, name: string): boolean {
  if (!fn || fn.type !== "function_definition") return true;
  const names = namesAfter(fn, stmt);
  return !names || names.has(name) || names.has("locals") || names.has("vars");
}

function identifiersIn(n: SyntaxNode, out: Set<string>): void {
  if (n.type === "identifier") out.add(n.text);
  for (const c of n.namedChildren) identifiersIn(c, out);
}

/**
 * The names a loop body binds by a plain assignment among its leading simple statements before anything in it reads
 * them (`res = skips[-1:]` at the top of diffusers' up-block loop): what the loop carries in for them is never read
 * inside it.
 */
export function boundBeforeRead(body: SyntaxNode): Set<string> {
  const bound = new Set<string>();
  const read = new Set<string>();
  for (const st of namedChildren(body)) {
    const a = st.type === "expression_statement" ? namedChildren(st)[0] : undefined;
    if (a?.type !== "assignment" || !a.childForFieldName("right")) {
      identifiersIn(st, read);
      if (st.type !== "expression_statement") break;
      continue;
    }
    identifiersIn(a.childForFieldName("right")!, read);
    const left = a.childForFieldName("left")!;
    const targets = left.type === "identifier" ? [left] : left.type === "pattern_list" || left.type === "tuple_pattern" ? namedChildren(left) : [];
    if (!targets.length || targets.some((t) => t.type !== "identifier")) identifiersIn(left, read);
    else for (const t of targets) if (!read.has(t.text)) bound.add(t.text);
  }
  return bound;
}
