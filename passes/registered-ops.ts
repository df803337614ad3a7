/**
 * `torch.ops.<ns>.<name>(...)` calls an operator the package registered itself: `torch.library.custom_op(
 * "<ns>::<name>", fn, ...)` or `@torch.library.custom_op("<ns>::<name>", ...)` on `def fn` (transformers'
 * grouped-experts fallback). MLX has no operator registry; the registration stays the plain function
 * (c2m_op_registration), so the call is a call of that function. Registrations in the same file are found here;
 * an operator registered elsewhere stays a torch name (C2M-W002).
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ModuleIR } from "../ir/module.js";
import { stringValue } from "./module-values.js";
import { qualify } from "./resolve-imports.js";

const REGISTERING = new Set(["torch.library.custom_op"]);

const registries = new WeakMap<ModuleIR, Map<string, string>>();

/** The function a file registers under `<ns>::<name>`, for `torch.ops.<ns>.<name>` (or its `.default` overload). */
export function registeredOp(q: string, mod: ModuleIR): string | undefined {
  const m = /^torch\.ops\.(\w+)\.(\w+)(?:\.default)?$/.exec(q);
  return m ? registry(mod).get(`${m[1]}::${m[2]}`) : undefined;
}

function registry(mod: ModuleIR): Map<string, string> {
  let found = registries.get(mod);
  if (found) return found;
  found = new Map();
  for (const call of mod.root.descendantsOfType("call")) {
    if (!REGISTERING.has(qualify(call.childForFieldName("function"), mod.aliases) ?? "")) continue;
    const args = callArgs(call);
    const nameNode = args.positional[0] ?? args.keyword.get("name");
    const name = nameNode?.type === "string" ? stringValue(nameNode) : undefined;
    if (!name) continue;
    const fn = args.positional[1] ?? args.keyword.get("fn");
    const decorated = call.parent?.type === "decorator" ? call.parent.parent : undefined;
    const def = decorated ? namedChildren(decorated).find((c) => c.type === "function_definition") : undefined;
    const target = fn?.type === "identifier" ? fn.text : def?.childForFieldName("name")?.text;
    if (target) found.set(name, target);
  }
  registries.set(mod, found);
  return found;
}
