/**
 * package-probes: calls to the standard library's probes for an installed package (`importlib.util.find_spec`,
 * `importlib.metadata.version`; passes/tables/torch-runtime.ts) become calls to c2m's helpers, which answer for
 * torch as for the torch the port was translated from (cookbook/helpers/c2m_find_spec.py). Libraries ask on import
 * (`_is_package_available("torch")`, then `is_torch_version(">=", "2.1")` at module level) and would otherwise take
 * a port that runs their torch code, in MLX, for a machine without torch.
 *
 * Reads: the file's tree. Writes: edits on the callees. The probe is known by the function the callee resolves to
 * under every import of the file, those inside `if`/`try` included (`import importlib.metadata as importlib_metadata`
 * in one branch, the backport in the other): a name that may mean something else is no probe.
 */
import { dottedName, type SyntaxNode } from "../grammar/python.js";
import { PACKAGE_PROBES } from "./tables/torch-runtime.js";

/** The helper every rewritten probe needs. */
export const PROBE_HELPER = "c2m_find_spec";

export interface ProbeEdit {
  start: number;
  end: number;
  text: string;
}

const bindingsOf = new WeakMap<SyntaxNode, Map<string, Set<string>>>();

/** What the callee of a call resolves to, where that is a package probe: the helper function to call instead. */
export function probeFunction(callee: SyntaxNode, root: SyntaxNode): string | undefined {
  const name = dottedName(callee);
  if (!name) return undefined;
  let bindings = bindingsOf.get(root);
  if (!bindings) bindingsOf.set(root, (bindings = importBindings(root)));
  const dot = name.indexOf(".");
  const head = dot < 0 ? name : name.slice(0, dot);
  const rest = dot < 0 ? "" : name.slice(dot);
  const targets = [...(bindings.get(head) ?? [])].map((t) => PACKAGE_PROBES[t + rest]);
  return targets.length && targets.every((t) => t && t === targets[0]) ? targets[0] : undefined;
}

/** Edits that turn every package probe called in the file into the helper's function (a file c2m does not translate otherwise). */
export function packageProbeEdits(root: SyntaxNode): ProbeEdit[] {
  const edits: ProbeEdit[] = [];
  for (const call of root.descendantsOfType("call")) {
    const callee = call.childForFieldName("function")!;
    const probe = probeFunction(callee, root);
    if (probe) edits.push({ start: callee.startIndex, end: callee.endIndex, text: probe });
  }
  return edits;
}

/** Every local name any import statement of the file binds → the dotted names it may stand for. */
function importBindings(root: SyntaxNode): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const bind = (local: string, full: string) => {
    if (!out.has(local)) out.set(local, new Set());
    out.get(local)!.add(full);
  };
  for (const stmt of root.descendantsOfType("import_statement")) {
    for (const n of stmt.namedChildren) {
      if (n.type === "dotted_name") bind(n.text.split(".")[0], n.text.split(".")[0]);
      else if (n.type === "aliased_import") bind(n.childForFieldName("alias")!.text, n.childForFieldName("name")!.text);
    }
  }
  for (const stmt of root.descendantsOfType("import_from_statement")) {
    const mod = stmt.childForFieldName("module_name")!.text;
    if (mod.startsWith(".")) continue;
    for (const n of stmt.childrenForFieldName("name")) {
      if (n.type === "dotted_name") bind(n.text, `${mod}.${n.text}`);
      else if (n.type === "aliased_import") bind(n.childForFieldName("alias")!.text, `${mod}.${n.childForFieldName("name")!.text}`);
    }
  }
  return out;
}
