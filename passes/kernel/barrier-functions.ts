/**
 * The functions of a source text and where each waits at a block barrier, its own or inside a function it
 * calls: shared by the passes that rewrite around barriers before the kernel is analysed (barrier-segments.ts,
 * returned-threads.ts). Pure.
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { calleeName, field, named, walk } from "./cst.js";
import { barrierCall, blockGroups } from "./barrier-sites.js";
import type { BarrierSites } from "./barrier-segments.js";

export interface BarrierFunctions {
  /** every function definition by its own name (the last of one name) */
  functions: Map<string, CudaNode>;
  /** the barrier sites of one of them */
  sites(fn: CudaNode): BarrierSites;
}

export function barrierFunctions(root: CudaNode): BarrierFunctions {
  const functions = new Map<string, CudaNode>();
  walk(root, (n) => {
    if (n.type !== "function_definition") return;
    const name = functionName(n);
    if (name) functions.set(name, n);
    return false;
  });
  const reachesMemo = new Map<string, boolean>();
  const reachesFn = (name: string): boolean => {
    if (reachesMemo.has(name)) return reachesMemo.get(name)!;
    reachesMemo.set(name, false);
    const fn = functions.get(name)!;
    const own = ownSites(fn);
    let found = false;
    walk(field(fn, "body") ?? fn, (n) => {
      if (found) return false;
      if (n.type === "call_expression" && (own(n) || reachesCall(n))) found = true;
    });
    reachesMemo.set(name, found);
    return found;
  };
  const reachesCall = (call: CudaNode) => {
    const name = shortName(calleeName(call));
    return !!name && functions.has(name) && reachesFn(name);
  };
  return { functions, sites: (fn) => ({ own: ownSites(fn), reaches: reachesCall }) };
}

export function functionName(fn: CudaNode): string | undefined {
  let d = field(fn, "declarator");
  while (d && d.type !== "function_declarator") d = field(d, "declarator");
  return shortName(d ? field(d, "declarator")?.text : undefined);
}

/** `db::loadFromGmem` → `loadFromGmem`: functions are looked up by their own name. */
function shortName(name: string | undefined): string | undefined {
  return name?.replace(/<.*$/s, "").split("::").pop();
}

/** The function's parameters by name (for the names that hold a thread_block). */
export function functionParams(fn: CudaNode): { name: string; node: CudaNode }[] {
  let d = field(fn, "declarator");
  while (d && d.type !== "function_declarator") d = field(d, "declarator");
  const list = d ? field(d, "parameters") : null;
  return (list ? named(list) : [])
    .filter((p) => p.type === "parameter_declaration")
    .map((p) => ({ name: /(\w+)\s*$/.exec(field(p, "declarator")?.text ?? "")?.[1] ?? "", node: p }));
}

function ownSites(fn: CudaNode): (call: CudaNode) => string | undefined {
  const blocks = blockGroups(functionParams(fn), field(fn, "body") ?? fn);
  return (call) => barrierCall(call, blocks);
}
