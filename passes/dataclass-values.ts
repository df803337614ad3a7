/**
 * dataclass-values: an instance of a dataclass of this file, for the module tree's interpreter (module-tree.ts),
 * is what its fields hold: a dict of field name → value. timm's byobnet passes its layer factories that way
 * (`LayerFn(conv_norm_act=partial(ConvNormAct, …), norm_act=…)`, `layers = layers or LayerFn()`, then
 * `self.conv_kxk = layers.conv_norm_act(…)`), and without the fields the blocks' convs and norms were plain values
 * to the weight map.
 *
 * Reads: the class's body (annotated fields and their defaults), the call's arguments. Writes: nothing; the value
 * is a `dict` ModVal whose entries are the fields (a field whose value is not known is unknown).
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ModVal, ModuleIR } from "../ir/module.js";
import { union } from "./module-values.js";

const DATACLASS = /^(dataclasses\.)?dataclass\b/;

/** The fields of a dataclass of this file, in order, with their default expressions; undefined for any other class. */
export function dataclassFields(mod: ModuleIR, name: string): { name: string; value?: SyntaxNode }[] | undefined {
  const def = mod.otherClasses.get(name);
  const decorated = def?.parent?.type === "decorated_definition" ? def.parent : undefined;
  if (!def || !decorated || !namedChildren(decorated).some((d) => d.type === "decorator" && DATACLASS.test(d.text.replace(/^@\s*/, "")))) return undefined;
  const fields: { name: string; value?: SyntaxNode }[] = [];
  for (const stmt of namedChildren(def.childForFieldName("body")!)) {
    const a = stmt.type === "expression_statement" ? namedChildren(stmt)[0] : undefined;
    const left = a?.type === "assignment" ? a.childForFieldName("left") : undefined;
    // only annotated names are fields (a bare `x = 1` in a dataclass body is a class attribute)
    if (!a || left?.type !== "identifier" || !a.childForFieldName("type")) continue;
    fields.push({ name: left.text, value: a.childForFieldName("right") ?? undefined });
  }
  return fields;
}

/** `Cfg(a, b=m)` of a dataclass of this file: its fields, from the arguments and else the defaults; undefined for any other call. */
export function dataclassInstance(mod: ModuleIR, call: SyntaxNode, expr: (n: SyntaxNode) => ModVal): ModVal | undefined {
  const fn = call.childForFieldName("function")!;
  const fields = fn.type === "identifier" ? dataclassFields(mod, fn.text) : undefined;
  if (!fields) return undefined;
  const args = callArgs(call);
  const entries = new Map<string, ModVal>();
  fields.forEach((f, i) => {
    const given = args.positional[i] ?? args.keyword.get(f.name);
    // a default computed by `field(default_factory=…)` is not followed
    const isFactory = f.value?.type === "call" && f.value.childForFieldName("function")!.text.endsWith("field");
    const unknown: ModVal = { k: "unknown" };
    entries.set(f.name, given && given.type !== "list_splat" ? expr(given) : f.value && !isFactory && !args.splat ? expr(f.value) : unknown);
  });
  return { k: "dict", entries };
}

/** `cfg.field` of a value the interpreter holds as a dict of fields (or a union of such): that field; undefined otherwise. */
export function fieldOf(v: ModVal, field: string): ModVal | undefined {
  if (v.k === "dict" && v.entries) return v.entries.get(field);
  if (v.k !== "union") return undefined;
  const found = v.options.map((o) => fieldOf(o, field));
  return found.every((f) => f !== undefined) ? union(found as ModVal[]) : undefined;
}
