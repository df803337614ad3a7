/**
 * Attributes a constructor stores by name: `self.x = m` (storeAttribute), `setattr(self, name, m)` and
 * `self.add_module(name, m)`, the name given as a pair (`*stage`) too. A name c2m can compute is an attribute
 * of that name; one it cannot is kept as UNNAMED_ATTR, whose weight rules match any name the class does not
 * otherwise hold (passes/weights.ts), with a warning (C2M-W014).
 */
import { callArgs, namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "../ir/diagnostics.js";
import type { ClassIR, ModVal } from "../ir/module.js";
import { elementOf, stringValue, union } from "./module-values.js";
import { withNamedItem } from "./named-sequential.js";

/** The attribute standing for modules stored under names computed at run time (`setattr(self, f"layer{i}", …)` c2m cannot follow). */
export const UNNAMED_ATTR = "*";

/** The class being interpreted, where its diagnostics go, and how an expression of the constructor evaluates. */
export interface AttrStore {
  cls: ClassIR;
  diags?: DiagnosticBag;
  value(n: SyntaxNode): ModVal;
  /** add_module on a Sequential subclass adds one of its items (named-sequential.ts): true when it did */
  sequentialItem?(name: ModVal, value: ModVal): boolean;
}

type Args = ReturnType<typeof callArgs>;

export function storeAttribute(cls: ClassIR, attr: string, stored: ModVal): void {
  // a constant kept on self (`self.mode = "bilinear"`) is a plain value to the passes
  const val: ModVal = stored.k === "const" ? { k: "value" } : stored;
  const prev = cls.attrs.get(attr);
  // `self.x = None` beside `self.x = nn.Linear(...)` in another branch: keep the module
  // (a function beside a module is kept: a call may reach either)
  cls.attrs.set(attr, prev && (prev.k !== "value" || prev.callable) ? union([prev, val]) : val);
}

/** `setattr(self, name, value)`: an attribute whose name c2m can compute, else one of unknown name (and a diagnostic). */
export function setattrCall(s: AttrStore, args: Args): void {
  const [, nameNode, valueNode] = args.positional;
  if (nameNode?.type === "list_splat") return namedPair(s, nameNode, "setattr(self, ");
  if (!nameNode || !valueNode) return;
  const name = s.value(nameNode);
  if (name.k === "const") storeAttribute(s.cls, name.text, s.value(valueNode));
  else unnamed(s, nameNode, s.value(valueNode), "setattr(self, ");
}

/** `self.add_module(name, module)`, `self.add_module(*pair)` (timm's ResNet adds `(f"layer{i}", stage)` pairs). */
export function addModuleCall(s: AttrStore, args: Args): void {
  const [nameNode, valueNode] = args.positional;
  if (nameNode?.type === "list_splat") return namedPair(s, nameNode, "self.add_module(");
  if (!nameNode || !valueNode) return;
  const name = s.value(nameNode);
  const value = s.value(valueNode);
  if (s.sequentialItem?.(name, value)) return;
  if (name.k === "const") s.cls.attrs.set(name.text, value);
  else unnamed(s, nameNode, value, "self.add_module(");
}

/**
 * `setattr(self.features, name, m)`, `self.features.add_module(name, m)`: a named child added to a Sequential the
 * class holds (torchvision's DenseNet adds its dense blocks so), which runs it after the others as torch's does.
 * False when `holder` is no `self.<attr>` holding a Sequential (the call is then evaluated as any other).
 */
export function childItemCall(s: AttrStore, holder: SyntaxNode, nameNode: SyntaxNode | undefined, valueNode: SyntaxNode | undefined, inLoop: boolean): boolean {
  if (holder.type !== "attribute" || holder.childForFieldName("object")!.text !== "self" || !nameNode || !valueNode) return false;
  const attr = holder.childForFieldName("attribute")!.text;
  const items = s.cls.attrs.get(attr);
  if (items?.k !== "seq") return false;
  s.cls.attrs.set(attr, withNamedItem(items, s.value(nameNode), s.value(valueNode), inLoop));
  return true;
}

/** `self.register_buffer(name, t[, persistent])`: a buffer attribute; a non-persistent one is private in MLX. */
export function registerBufferCall(cls: ClassIR, args: Args): void {
  const nameNode = args.positional[0] ?? args.keyword.get("name");
  const name = nameNode?.type === "string" ? stringValue(nameNode) : undefined;
  if (!name) return;
  const persistentNode = args.keyword.get("persistent") ?? args.positional[2];
  const persistent = persistentNode?.text !== "False";
  cls.attrs.set(name, { k: "buffer", persistent });
  if (!persistent) cls.privateBuffers.add(name);
}

/** A `(name, module)` pair given as `*pair`. */
function namedPair(s: AttrStore, splat: SyntaxNode, how: string): void {
  const pair = s.value(namedChildren(splat)[0]);
  const [name, value] = pair.k === "list" && pair.items?.length === 2 ? pair.items : [undefined, elementOf(pair)];
  if (name?.k === "const") storeAttribute(s.cls, name.text, value);
  else if (value.k !== "value") unnamed(s, splat, value, how);
}

/** A module stored under a name computed at run time: kept as the attribute UNNAMED_ATTR. */
export function unnamed(s: AttrStore, at: SyntaxNode, value: ModVal, how: string): void {
  const prev = s.cls.attrs.get(UNNAMED_ATTR);
  s.cls.attrs.set(UNNAMED_ATTR, prev ? union([prev, value]) : value);
  const message = `${how}${at.text}, …): c2m cannot compute the attribute's name; its weights are mapped by a rule for any name the class does not otherwise hold`;
  s.diags?.report("C2M-W014", at.startPosition, message);
}
