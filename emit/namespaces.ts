/**
 * Namespaces of the declarations a kernel's header carries (both printers). A header piece is printed on its
 * own, out of the `namespace ops { ... }` it was declared in, so a kernel that names it qualified
 * (`ops::Reduce::Sum`, `ops::twice(x)`) would name nothing: such a piece is put back in its namespaces, and a
 * `using namespace ops;` after the pieces keeps the unqualified uses (the kernel's own, inside the namespace)
 * resolving as before. A namespace nothing names qualified is left flat, as it always was.
 */
import type { CudaNode } from "../grammar/cuda.js";
import { field } from "../passes/kernel/cst.js";

/** The named namespaces enclosing a node, outermost first (`namespace a { namespace b::c {` → a, b, c). */
export function enclosingNamespaces(node: CudaNode): string[] {
  const out: string[] = [];
  for (let p = node.parent; p; p = p.parent) {
    if (p.type !== "namespace_definition") continue;
    const name = field(p, "name")?.text;
    if (name) out.unshift(...name.split("::").map((s) => s.trim()));
  }
  return out;
}

/**
 * Each piece's text, in its namespaces where the reached code (`uses`: the kernel's and the pieces' text) names
 * one of them qualified; and the using-directives that keep the unqualified names visible.
 */
export function inNamespaces(pieces: { node: CudaNode; text: string }[], uses: string[]): { texts: string[]; usings: string[] } {
  const usings = new Set<string>();
  const texts = pieces.map(({ node, text }) => {
    const chain = enclosingNamespaces(node);
    if (!chain.some((n) => uses.some((u) => new RegExp(`\\b${n}\\s*::`).test(u)))) return text;
    usings.add(`using namespace ${chain.join("::")};`);
    // one namespace per level: nested namespace definitions (`namespace a::b`) are C++17, and MSL is C++14
    return `${chain.map((n) => `namespace ${n} {`).join(" ")}\n${text.trimEnd()}\n${chain.map(() => "}").join(" ")}  // namespace ${chain.join("::")}`;
  });
  return { texts, usings: [...usings] };
}
