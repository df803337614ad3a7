/**
 * An attribute set on a tensor (`self.A_log._no_weight_decay = True`, mamba's hint to its optimizer;
 * `self.pos_embed.requires_grad = False`; `pe.require_grad = False` on a local, Time-Series-Library's
 * PositionalEmbedding): an mx.array holds no attributes, so the statement as written raises when the port runs.
 * `requires_grad` on a module's parameter is MLX's freeze/unfreeze of that parameter. Any other store is dropped
 * (kept as a comment, C2M-W061) where nothing in the file reads that attribute back: an autograd flag or a hint for an
 * optimizer has no meaning for inference in MLX (`requires_grad` is dropped even where read). Where the file reads it (`x.scale = s` … `x.scale`), no
 * translation keeps the value on the array: the statement stays as written, so it raises there, with C2M-W062.
 * The same through setattr() where the walk cannot tell the object (C2M-W010, c2m_set_attribute).
 *
 * Reads: the walk's type of the object, the file's attribute reads. Writes: the statement's replacement and the
 * diagnostic.
 */
import { callArgs, type SyntaxNode } from "../../grammar/python.js";
import { expr } from "./expressions.js";
import type { WalkState } from "./state.js";

/** Handles `<tensor>.<attr> = value`; false where the object is not known to be a tensor (the caller goes on). */
export function tensorAttributeAssignment(w: WalkState, stmt: SyntaxNode, left: SyntaxNode, right: SyntaxNode): boolean {
  const obj = left.childForFieldName("object")!;
  const name = left.childForFieldName("attribute")!.text;
  // torch's own tensor attributes keep their translations (`w.data = …` sets the array)
  if (TENSOR_ATTRIBUTES.has(name)) return false;
  // a parameter or buffer reached through an object (`self.A_log`, `module.weight`), or a local the walk knows holds
  // a tensor (`pe = torch.zeros(…)`); a name the walk only presumes a tensor may be anything (`args.device = …`)
  if (obj.type !== "attribute" && obj.type !== "identifier") return false;
  const held = expr(w, obj).v;
  // `requires_grad` is a tensor's attribute alone: set on `owner.name` c2m cannot type (DINOHead's weight-normed
  // `self.last_layer.weight_g`), it is that parameter's freeze all the same
  const gradOfUntyped = name === "requires_grad" && obj.type === "attribute" && held !== undefined && held.k !== "module";
  if (!gradOfUntyped && (held?.k !== "tensor" || held.assumed)) return false;
  if (name === "requires_grad" && obj.type === "attribute") {
    const owner = expr(w, obj.childForFieldName("object")!).text;
    const param = JSON.stringify(obj.childForFieldName("attribute")!.text);
    const value = expr(w, right).text;
    const method = value === "False" ? "freeze" : value === "True" ? "unfreeze" : `(${owner}.unfreeze if ${value} else ${owner}.freeze)`;
    const callee = value === "False" || value === "True" ? `${owner}.${method}` : method;
    w.replaceStatement(stmt, `${callee}(keys=[${param}], recurse=False)`);
    return true;
  }
  const reader = AUTOGRAD_FLAGS.has(name) ? undefined : attributeRead(w.ctx.mod.root, name, left);
  if (reader) {
    const at = reader.startPosition;
    w.diag(
      "C2M-W062",
      left,
      `${compact(left.text)} sets an attribute on a tensor that line ${at.row + 1} reads back: an MLX array holds no attributes, so the statement raises when the port runs`,
    );
    // the statement goes on as an ordinary assignment (its value translated), and raises where the port runs it
    return false;
  }
  const what = AUTOGRAD_FLAGS.has(name) ? "an autograd flag" : "a hint nothing in this file reads";
  w.diag("C2M-W061", left, `${compact(left.text)} sets an attribute on a tensor (${what}): an MLX array holds none, so the statement is kept as a comment`);
  const only = stmt.parent?.type === "block" && stmt.parent.namedChildren.filter((c) => c.type !== "comment").length === 1;
  w.replaceStatement(stmt, only ? `pass  # ${stmt.text.split("\n")[0]}` : `# ${stmt.text.replace(/\n/g, "\n# ")}`);
  return true;
}

/**
 * The first place in the file that reads attribute `name` (`o.name` not assigned to, `getattr(o, "name")`,
 * `hasattr(o, "name")`), other than `store` itself; the file is what c2m sees, so a read by code outside it (an
 * optimizer reading mamba's _no_weight_decay) does not count, as it never runs in the port.
 */
function attributeRead(root: SyntaxNode, name: string, store: SyntaxNode): SyntaxNode | undefined {
  for (const a of root.descendantsOfType("attribute")) {
    if (a.startIndex === store.startIndex || a.childForFieldName("attribute")?.text !== name) continue;
    const parent = a.parent;
    const assigned = (parent?.type === "assignment" || parent?.type === "augmented_assignment") && parent.childForFieldName("left")?.startIndex === a.startIndex;
    if (!assigned || parent?.type === "augmented_assignment") return a;
  }
  for (const c of root.descendantsOfType("call")) {
    const fn = c.childForFieldName("function")!;
    if (fn.type !== "identifier" || (fn.text !== "getattr" && fn.text !== "hasattr")) continue;
    const key = callArgs(c).positional[1];
    if (key?.type === "string" && key.text.slice(1, -1) === name) return c;
  }
  return undefined;
}

/** torch's autograd flags that can be set on a tensor: meaningless in MLX whether or not something reads them. */
const AUTOGRAD_FLAGS: ReadonlySet<string> = new Set(["requires_grad"]);

/**
 * `setattr(obj, "name", value)` as a statement, obj not `self` nor a value the walk knows to be a module: where obj is
 * a tensor, the statement as for `obj.name = value`; where the walk cannot tell (`setattr(getattr(self, name),
 * "_optim", optim)`, the S4/Hyena optimizer hint on a parameter just registered), c2m_set_attribute, which skips an
 * MLX array (it holds no attributes) and sets any other object's, with C2M-W010 at the call.
 */
export function setattrStatement(w: WalkState, stmt: SyntaxNode, call: SyntaxNode): boolean {
  const fn = call.childForFieldName("function")!;
  if (fn.type !== "identifier" || fn.text !== "setattr" || w.env.has("setattr")) return false;
  const args = callArgs(call);
  const [obj, name, value] = args.positional;
  if (!obj || !name || !value || args.positional.length !== 3 || args.keyword.size || obj.text === "self") return false;
  if ([obj, name, value].some((a) => a.type === "list_splat" || a.type === "dictionary_splat")) return false;
  const held = expr(w, obj).v;
  if (held.k === "module" || (held.k === "tensor" && held.assumed)) return false;
  if (held.k !== "tensor" && !(obj.type === "call" && obj.childForFieldName("function")!.text === "getattr")) return false;
  w.ctx.helpers.add(SET_ATTRIBUTE_HELPER);
  w.diag("C2M-W010", call, `${compact(call.text)} may set an attribute on a tensor: an MLX array holds none, so the port skips it for one (a hint no MLX computation reads)`);
  w.replaceStatement(stmt, `${SET_ATTRIBUTE_HELPER}(${expr(w, obj).text}, ${expr(w, name).text}, ${expr(w, value).text})`);
  return true;
}

const SET_ATTRIBUTE_HELPER = "c2m_set_attribute";

/** Attributes torch's Tensor has (an assignment to one means what torch says, translated elsewhere). */
const TENSOR_ATTRIBUTES: ReadonlySet<string> = new Set(["data", "grad", "shape", "dtype", "device", "T", "mT", "names", "real", "imag"]);

const compact = (text: string): string => text.replace(/\s+/g, " ");
