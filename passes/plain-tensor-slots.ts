/**
 * plain-tensor-slots: an attribute a module's `__init__` sets to None and the code later fills with a tensor
 * (`self.weight = None`, then `m.weight = std.view(-1)` from another module, as MUNIT's AdaIN layers are fed)
 * is a plain attribute in torch: nn.Module registers only nn.Parameter values as parameters. MLX takes every
 * array attribute for a parameter, a trainable one, so the None slot is frozen where it is declared: its later
 * tensors are held but not trained, as torch holds them. A name that is ever given an nn.Parameter (or passed to
 * register_parameter) is a parameter slot, not a plain one.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";

const PARAMETER_CALL = /^(?:(?:torch\.)?nn\.)?Parameter\s*\(/;
/** a value that may be a module or a container of them (`nn.Linear(...)`, `Block(...)`, `[...]`): freezing its name would freeze a child */
const MAYBE_MODULE = /(?:^|[^\w.])(?:nn\.|[A-Z]\w*\s*\()/;
const CONTAINERS = new Set(["list", "tuple", "dictionary", "list_comprehension", "dictionary_comprehension", "identifier", "attribute"]);

/** The attribute names a file fills with plain tensors outside a None declaration, and never with a Parameter. */
export function plainTensorSlots(root: SyntaxNode): Set<string> {
  const filled = new Set<string>();
  const notPlain = new Set<string>();
  const visit = (n: SyntaxNode): void => {
    if (n.type === "assignment") {
      const left = n.childForFieldName("left");
      const right = n.childForFieldName("right");
      if (left?.type === "attribute" && right) {
        const name = left.childForFieldName("attribute")!.text;
        if (PARAMETER_CALL.test(right.text)) notPlain.add(name);
        else if (MAYBE_MODULE.test(right.text) || CONTAINERS.has(right.type)) notPlain.add(name);
        else if (right.type !== "none" && !(left.childForFieldName("object")!.text === "self" && inInit(n))) filled.add(name);
      }
    }
    if (n.type === "call" && /(?:^|\.)register_parameter$/.test(n.childForFieldName("function")?.text ?? "")) {
      const first = namedChildren(n.childForFieldName("arguments")!)[0];
      if (first?.type === "string") notPlain.add(first.text.slice(1, -1));
    }
    for (const c of namedChildren(n)) visit(c);
  };
  visit(root);
  for (const p of notPlain) filled.delete(p);
  return filled;
}

function inInit(n: SyntaxNode): boolean {
  for (let p = n.parent; p; p = p.parent) if (p.type === "function_definition") return p.childForFieldName("name")?.text === "__init__";
  return false;
}
