/**
 * runtime-state: state a module's methods keep on `self` while they run (pytorch/examples' TransformerModel
 * caches its causal mask, `self.src_mask = mask`, in forward; a block remembers its last attention map). In
 * torch a tensor assigned to a plain attribute is no parameter and in no state_dict; MLX makes every public
 * array attribute a parameter, so the port would gain parameters once it has run (an optimizer would train
 * them, a saved checkpoint would hold them). Such attributes are kept private (`_name`), as __init__'s plain
 * tensors are (init-statements.ts): the attributes a run-time method assigns (one __init__ does not call, directly
 * or through others: torchvision's `_make_layer` setting `self.inplanes` is construction), which __init__ did not
 * make a module, parameter or buffer, and whose assigned value is not a literal or a module built there.
 */
import { namedChildren, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ModuleIR } from "../ir/module.js";

/** What __init__ stored that is no plain state: modules, their containers, parameters, buffers. */
const STRUCTURAL = new Set(["layer", "class", "seq", "list", "dict", "param", "buffer", "classref", "layerref", "union"]);

/** Values that are no tensor (a flag, a count, a name, nothing): MLX keeps them as plain attributes already. */
const LITERAL = new Set(["integer", "float", "string", "concatenated_string", "true", "false", "none"]);

/**
 * Per class, the attributes kept private as run-time state: emit/buffer-aliases.ts gives each a property under
 * torch's name, since code this file does not show reads or sets it by that name (a base class's __init__ in another
 * file setting `self.num_classes` that a subclass's reset_classifier resets; another file's model reading
 * `self.head.num_features`).
 */
export const RUNTIME_STATE = new WeakMap<ClassIR, Set<string>>();

/** Adds to `cls.privateBuffers` the attributes its methods other than __init__ set to run-time state. */
export function privatizeRuntimeState(mod: ModuleIR, cls: ClassIR): void {
  const construction = constructionMethods(cls);
  for (const [name, method] of cls.methods) {
    if (construction.has(name)) continue;
    for (const assign of method.descendantsOfType("assignment")) {
      const left = assign.childForFieldName("left");
      const right = assign.childForFieldName("right");
      if (!left || !right || left.type !== "attribute" || left.childForFieldName("object")?.text !== "self") continue;
      const attr = left.childForFieldName("attribute")!.text;
      // MLX leaves a name starting with `_` out of the parameters already; renaming `__x` would undo Python's mangling
      // (transformers' PreTrainedModel reads self.__keep_in_fp32_modules as _PreTrainedModel__keep_in_fp32_modules)
      if (attr.startsWith("_")) continue;
      const stored = cls.attrs.get(attr);
      if (stored && STRUCTURAL.has(stored.k)) continue;
      // a torch layer's own parameters (`class Conv(nn.Conv2d)` assigning self.weight) stay what the layer makes them
      if (cls.layerBase && (attr === "weight" || attr === "bias")) continue;
      if (isLiteral(right) || buildsModule(mod, right) || isCallableOrModule(cls, right)) continue;
      cls.privateBuffers.add(attr);
      const state = RUNTIME_STATE.get(cls) ?? new Set<string>();
      RUNTIME_STATE.set(cls, state.add(attr));
    }
  }
}

/** __init__ and the methods of the class it calls on self, transitively. */
function constructionMethods(cls: ClassIR): Set<string> {
  const found = new Set<string>();
  const todo = ["__init__"];
  while (todo.length) {
    const name = todo.pop()!;
    const method = cls.methods.get(name);
    if (found.has(name) || !method) continue;
    found.add(name);
    for (const call of method.descendantsOfType("call")) {
      const fn = call.childForFieldName("function")!;
      if (fn.type === "attribute" && fn.childForFieldName("object")?.text === "self") todo.push(fn.childForFieldName("attribute")!.text);
    }
  }
  return found;
}

/** `nn.Linear(...)`, `Block(...)`: a module built outside __init__ is a child, not state. */
function buildsModule(mod: ModuleIR, e: SyntaxNode): boolean {
  if (e.type !== "call") return false;
  const fn = e.childForFieldName("function")!;
  const last = fn.type === "attribute" ? fn.childForFieldName("attribute")!.text : fn.text;
  return /^[A-Z]/.test(last) || mod.classes.has(last) || (mod.aliases.get(fn.text.split(".")[0]) ?? "").startsWith("torch.nn");
}

const isLiteral = (e: SyntaxNode): boolean => LITERAL.has(e.type) || (e.type === "unary_operator" && namedChildren(e).every(isLiteral));

/** `self.fn = self._impl`, a lambda, `self.active = self.blocks[0]`'s module: a callable or a child, not a tensor. */
function isCallableOrModule(cls: ClassIR, e: SyntaxNode): boolean {
  if (e.type === "lambda") return true;
  const base = e.type === "subscript" ? e.childForFieldName("value")! : e;
  if (base.type !== "attribute" || base.childForFieldName("object")?.text !== "self") return false;
  const attr = base.childForFieldName("attribute")!.text;
  const stored = cls.attrs.get(attr);
  return cls.methods.has(attr) || (stored !== undefined && STRUCTURAL.has(stored.k));
}
