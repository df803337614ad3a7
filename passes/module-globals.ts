/**
 * module-globals: a container bound once at the top level of a file (`_block_registry = dict(basic=BasicBlock, …)`,
 * timm's byobnet), or a partial of a class (`SEWithNorm = partial(SEModule, norm_layer=nn.BatchNorm2d)`), read by the module tree's interpreter (module-tree.ts) where a constructor or a helper names it:
 * `_block_registry[block_type](**kwargs)` then builds one of the classes it holds, not a plain value.
 *
 * Reads: the file's top-level assignments. Only a name bound exactly once and changed nowhere else at the top level
 * (`name[k] = …`, `name.update(…)`), to a literal container (a dict, list, tuple, `dict(…)`, `OrderedDict(…)`) or a
 * `partial(…)`, is followed (timm's `_NORM_ACT_MAP[layer_name]`, `_NORM_TO_NORM_ACT_MAP.get(type_name)` too); anything else stays what the interpreter made of it before (a plain value).
 * Writes: nothing.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ModVal, ModuleIR } from "../ir/module.js";
import { dictValue } from "./named-sequential.js";
import { registryOf } from "./foreign-models.js";

const CONTAINER_TYPES = new Set(["dictionary", "list", "tuple"]);
/** Calls that build a table (`dict(…)`) or a class with some arguments fixed (`partial(SEModule, norm_layer=…)`). */
const TABLE_CALLS = new Set(["dict", "OrderedDict", "collections.OrderedDict", "partial", "functools.partial"]);
/** Top-level statements whose bodies run only when called: a change inside one does not unsettle a table. */
const DEFINITIONS = new Set(["function_definition", "decorated_definition", "class_definition"]);

/** Methods that change a container in place. */
const CHANGING_METHODS = new Set(["update", "setdefault", "append", "extend", "insert", "pop"]);
/** Nodes whose bodies run only when called: what they change is not changed by the statement around them. */
const RUN_WHEN_CALLED = new Set(["function_definition", "decorated_definition", "class_definition", "lambda"]);
/** Targets that hold several targets (`a, t[k] = …`). */
const TARGET_GROUPS = new Set(["pattern_list", "tuple_pattern", "list_pattern", "tuple", "list", "parenthesized_expression", "expression_list"]);

/**
 * The names a top-level statement changes in place or rebinds by an operator: `name[k] = …` (`del name[k]`),
 * `name.update(…)` and the other changing methods, `name += …`, anywhere in it but in a body that runs only
 * when called. Read from the syntax tree: a string or a comment that spells such a change is none.
 */
function namesChangedIn(stmt: SyntaxNode): Set<string> {
  const names = new Set<string>();
  const subscripted = (target: SyntaxNode | null): void => {
    if (!target) return;
    if (target.type === "subscript") {
      const value = target.childForFieldName("value");
      if (value?.type === "identifier") names.add(value.text);
    } else if (TARGET_GROUPS.has(target.type)) for (const t of namedChildren(target)) subscripted(t);
  };
  const stack = [stmt];
  while (stack.length) {
    const n = stack.pop()!;
    if (RUN_WHEN_CALLED.has(n.type)) continue;
    if (n.type === "assignment") subscripted(n.childForFieldName("left"));
    else if (n.type === "augmented_assignment") {
      const left = n.childForFieldName("left");
      if (left?.type === "identifier") names.add(left.text);
      else subscripted(left);
    } else if (n.type === "delete_statement") for (const t of namedChildren(n)) subscripted(t);
    else if (n.type === "call") {
      const callee = n.childForFieldName("function");
      const object = callee?.type === "attribute" ? callee.childForFieldName("object") : undefined;
      if (object?.type === "identifier" && CHANGING_METHODS.has(callee!.childForFieldName("attribute")!.text)) names.add(object.text);
    }
    for (const k of n.children) stack.push(k);
  }
  return names;
}

/** Names being evaluated, per file: a table that names itself is not followed into. */
const evaluating = new WeakMap<ModuleIR, Set<string>>();

/** Per file: each name bound exactly once at the top level, to its right-hand side when that is a literal container. */
const tables = new WeakMap<ModuleIR, Map<string, SyntaxNode | undefined>>();

function containerBinding(mod: ModuleIR, name: string): SyntaxNode | undefined {
  let bound = tables.get(mod);
  if (!bound) {
    bound = new Map();
    for (const stmt of namedChildren(mod.root)) {
      const a = stmt.type === "expression_statement" ? namedChildren(stmt)[0] : undefined;
      const left = a?.type === "assignment" ? a.childForFieldName("left") : undefined;
      const rhs = a?.childForFieldName("right");
      if (left?.type !== "identifier" || !rhs) continue;
      const callee = rhs.type === "call" ? rhs.childForFieldName("function")!.text : undefined;
      // a table (`dict(…)`) or a class with some arguments fixed (`partial(SEModule, norm_layer=…)`)
      const isDictCall = callee !== undefined && TABLE_CALLS.has(callee);
      // bound twice: which binding a reader sees is not known
      bound.set(left.text, bound.has(left.text) ? undefined : CONTAINER_TYPES.has(rhs.type) || isDictCall ? rhs : undefined);
    }
    // a table the top level changes after binding it (`name[k] = `, `name.update(…)`, …) is not known either; one a
    // function adds to when called (byobnet's register_block) still holds its literal entries, which are read (a class
    // another file registers is not seen: its weights then miss their rules and fail to load, loudly)
    for (const stmt of namedChildren(mod.root)) {
      if (DEFINITIONS.has(stmt.type)) continue;
      for (const name of namesChangedIn(stmt)) {
        const rhs = bound.get(name);
        // the binding's own statement is not a change of it
        if (rhs && rhs.parent?.parent !== stmt) bound.set(name, undefined);
      }
    }
    tables.set(mod, bound);
  }
  return bound.get(name);
}

/** What a top-level container named `name` holds, evaluated by `expr`; undefined when the name is not such a table. */
/** Whether a function of the file that stores its parameter into the table `name` is named by other files of the package. */
function registeredElsewhere(mod: ModuleIR, name: string): boolean {
  if (!mod.namedByOtherFiles) return false;
  for (const [fn, def] of mod.functions) if (registryOf(def) === name && mod.namedByOtherFiles(fn)) return true;
  return false;
}

export function moduleGlobal(mod: ModuleIR, name: string, expr: (n: SyntaxNode) => ModVal): ModVal | undefined {
  const rhs = containerBinding(mod, name);
  const active = evaluating.get(mod) ?? new Set<string>();
  if (!rhs || active.has(name)) return undefined;
  evaluating.set(mod, active.add(name));
  try {
    // a dict display is read here only: elsewhere in a constructor it stays a plain value (module-children.ts)
    const value = rhs.type === "dictionary" ? dictValue(rhs, expr) : expr(rhs);
    // a registry other files of the package fill through a function of this file (timm's register_block): an entry
    // may be a class known only at run time
    return value.k === "dict" && value.entries && registeredElsewhere(mod, name) ? { ...value, elem: { k: "anyclass" } } : value;
  } finally {
    active.delete(name);
  }
}
