/**
 * module-globals: a module-level table of classes that a function building layers reads (timm's
 * `_NORM_ACT_MAP = dict(batchnorm=BatchNormAct2d, groupnorm=GroupNormAct, ...)`, looked up by
 * `get_norm_act_layer` as `_NORM_ACT_MAP[layer_name]` or `_NORM_TO_NORM_ACT_MAP.get(type_name)`). Without it the
 * lookup was a plain value, which a union of the function's returns dropped beside the one class it could see
 * (the `norm_layer` argument, nn.BatchNorm2d): the layer built was taken for a BatchNorm2d while it is a
 * BatchNormAct2d whose forward keeps torch's layout. With it, the lookup is one of the table's classes.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";

const tablesByRoot = new WeakMap<SyntaxNode, Map<string, SyntaxNode | null>>();

/**
 * The dict or list written out that a module-level name is bound to, when the file's top level binds it once and
 * changes it nowhere else at the top level (`name[...] = `, `name.update(`, …: then undefined, as for any other name).
 */
export function moduleLevelTable(root: SyntaxNode, name: string): SyntaxNode | undefined {
  let byName = tablesByRoot.get(root);
  if (!byName) tablesByRoot.set(root, (byName = topLevelTables(root)));
  return byName.get(name) ?? undefined;
}

function topLevelTables(root: SyntaxNode): Map<string, SyntaxNode | null> {
  const tables = new Map<string, SyntaxNode | null>();
  const statements = namedChildren(root);
  for (const s of statements) {
    const a = s.type === "expression_statement" ? namedChildren(s)[0] : undefined;
    const left = a?.type === "assignment" ? a.childForFieldName("left") : undefined;
    const right = a?.childForFieldName("right");
    if (left?.type !== "identifier" || !right) continue;
    tables.set(left.text, tables.has(left.text) ? null : isTable(right) ? right : null);
  }
  for (const [name, right] of tables) {
    if (!right) continue;
    const changed = new RegExp(`(^|[^\\w.])${name}\\s*(\\[[^\\]]*\\]\\s*=[^=]|\\.(update|setdefault|append|extend|insert|pop)\\(|\\+=|\\|=)`);
    if (statements.some((s) => !s.text.startsWith(`${name} =`) && !s.text.startsWith(`${name}=`) && changed.test(s.text))) tables.set(name, null);
  }
  return tables;
}

function isTable(e: SyntaxNode): boolean {
  if (e.type === "dictionary" || e.type === "list" || e.type === "tuple") return true;
  if (e.type !== "call") return false;
  const fn = e.childForFieldName("function")!.text;
  return fn === "dict" || fn === "OrderedDict" || fn === "collections.OrderedDict";
}
