/**
 * Which declaration of a local an access sees, for the ownership proofs (ownership.ts): localDefinitions maps a
 * name declared more than once in the kernel (`for (int i = ...)` in several loops) to "", unknown. Here each such
 * name is looked up at the accesses the proof is about, as C scoping does: the innermost enclosing `for` whose
 * initializer declares it, or the last declaration of it before the access in an enclosing block. Where every
 * access (and every declaration so chosen, for the names its value uses) sees the same declaration, or declarations
 * alike (the same loop header `for (int i = t; i < n; i += s)` in two loops, the same value), the name takes that
 * value; where they see different ones it stays unknown. Reassignments are the proof's to check (ownerReassigned
 * looks at every assignment of the name, whichever declaration it reaches).
 */
import type { CudaNode } from "../../grammar/cuda.js";
import { field, kids, walk } from "./cst.js";

/** Locals declared once with an initializer: name → its text (to see what an index is computed from). */
export function localDefinitions(body: CudaNode): Map<string, string> {
  const out = new Map<string, string>();
  walk(body, (n) => {
    if (n.type !== "init_declarator") return;
    const name = field(n, "declarator")?.text;
    const value = field(n, "value")?.text;
    if (name && value) out.set(name, out.has(name) ? "" : value);
  });
  return out;
}

/** localDefinitions(body) as the accesses `sites` see them (scopedDefinitions). */
export function definitionsAt(body: CudaNode, sites: { node: CudaNode }[]): Map<string, string> {
  return scopedDefinitions(
    body,
    sites.map((x) => x.node),
    localDefinitions(body),
  );
}

/** localDefinitions(body), with the names declared more than once resolved where all of `at` see one declaration. */
export function scopedDefinitions(body: CudaNode, at: CudaNode[], defs: Map<string, string>): Map<string, string> {
  const ambiguous = [...defs].filter(([, v]) => v === "").map(([k]) => k);
  if (!ambiguous.length || !at.length) return defs;
  const out = new Map(defs);
  let positions = [...at];
  let chosen = new Map<string, CudaNode | undefined>();
  // a chosen declaration's value is read at the declaration: the names it uses are looked up there too
  for (let round = 0; round < 8; round++) {
    chosen = new Map();
    const seenAll: CudaNode[] = [];
    for (const name of ambiguous) {
      const seen = new Map<number, CudaNode>();
      for (const n of positions) {
        const d = declarationInScope(name, n, body);
        if (d) seen.set(d.startIndex, d);
      }
      // declarations alike (the same value; for a loop's counter, the same loop header) count as one
      const kinds = new Set([...seen.values()].map(signature));
      chosen.set(name, kinds.size === 1 ? [...seen.values()][0] : undefined);
      if (kinds.size === 1) seenAll.push(...seen.values());
    }
    const next = [...new Map([...positions, ...seenAll].map((n) => [`${n.startIndex}:${n.endIndex}`, n])).values()];
    if (next.length === positions.length) break;
    positions = next;
  }
  for (const [name, decl] of chosen) {
    const value = decl ? field(decl, "value")?.text : undefined;
    if (value) out.set(name, value);
  }
  return out;
}

/** What makes two declarations of one name alike: the loop header for a loop's counter, else the value. */
function signature(d: CudaNode): string {
  const loop = d.parent?.parent?.type === "for_statement" && field(d.parent.parent, "initializer")?.startIndex === d.parent.startIndex ? d.parent.parent : undefined;
  const text = loop ? ["initializer", "condition", "update"].map((f) => field(loop, f)?.text ?? "").join(";") : `${d.parent?.type}:${field(d, "value")?.text ?? ""}`;
  return text.replace(/\s+/g, "");
}

/** The init_declarator of `name` that `node` sees, or undefined where none of the kernel's does. */
export function declarationInScope(name: string, node: CudaNode, body: CudaNode): CudaNode | undefined {
  for (let n: CudaNode = node; n !== body && n.parent; n = n.parent) {
    const p = n.parent;
    if (p.type === "for_statement") {
      const init = field(p, "initializer");
      if (init && init.startIndex !== n.startIndex) {
        const d = declaratorOf(init, name);
        if (d) return d;
      }
    }
    if (p.type === "compound_statement") {
      let found: CudaNode | undefined;
      for (const c of kids(p)) {
        if (c.startIndex >= n.startIndex) break;
        if (c.type === "declaration") found = declaratorOf(c, name) ?? found;
      }
      if (found) return found;
    }
  }
  return undefined;
}

function declaratorOf(decl: CudaNode, name: string): CudaNode | undefined {
  let found: CudaNode | undefined;
  walk(decl, (n) => {
    if (found) return false;
    if (n.type === "init_declarator" && field(n, "declarator")?.text === name) found = n;
  });
  return found;
}
