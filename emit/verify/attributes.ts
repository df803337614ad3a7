/**
 * Attributes the output reads must exist: `mx.*`, `mx.fast.*`, `nn.*`, `nn.init.*`… in the MLX API table;
 * methods and attributes of a value known to be an `mx.array` on `mx.array`; `self.X` in a class whose
 * bases are `nn.Module` or the file's own module classes on that class or on `mlx.nn.Module`. A torch
 * in-place method (`x.triu_()`) is an error on any receiver but a module the file imports: MLX arrays have none.
 */
import type { SyntaxNode } from "../../grammar/python.js";
import type { MlxApi } from "../../passes/tables/index.js";
import { finding, type Finding } from "./types.js";
import { nameTable } from "../../ir/tables.js";

/** `mlx.<attr>` → the namespace it names. */
const MLX_SUBMODULES: Record<string, string> = nameTable({ core: "mx", nn: "nn", utils: "mlx.utils", optimizers: "mlx.optimizers" });

/** mx functions that return something other than one array */
const NOT_ARRAY_FUNCTIONS =
  /^(eval|async_eval|compile|vmap|grad|value_and_grad|vjp|jvp|custom_function|checkpoint|save\w*|load|split|meshgrid|broadcast_arrays|set_\w+|get_\w+|default_\w+|stream|new_stream|finfo|iinfo|issubdtype|synchronize|export_\w+|import_function|\w+_compile|device_info|is_available|[A-Z]\w*|qr|svd|eig|eigh|lu|lu_factor|seed|key)$/;
/** mx.array methods that return something other than one array */
const NOT_ARRAY_METHODS = new Set(["item", "tolist", "split", "shape", "dtype", "size", "ndim", "itemsize", "nbytes", "at"]);
/** The names of the enclosing function known to hold arrays, computed on first use. */
type Known = () => ReadonlySet<string>;
const NONE: ReadonlySet<string> = new Set();
const ARRAY_NAMESPACES = new Set(["mx", "mx.random", "mx.linalg", "mx.fft", "mx.fast"]);

export class AttributeChecker {
  readonly findings: Finding[] = [];
  private readonly array: Set<string>;
  private readonly module: Set<string>;

  constructor(
    private readonly api: MlxApi,
    /** local name → MLX namespace key (from the imports) */
    private readonly aliases: Map<string, string>,
    /** names the module's imports bind to other modules (`from . import initialization as init`): `init.copy_(a, b)` is that module's function */
    private readonly importedNames: ReadonlySet<string> = new Set(),
  ) {
    this.array = new Set(api.array);
    this.module = new Set(api.module);
  }

  private readonly nameSets = new Map<string, Set<string>>();

  /** A namespace's attribute names, as a set. */
  private names(ns: string): Set<string> {
    let set = this.nameSets.get(ns);
    if (!set) this.nameSets.set(ns, (set = new Set(this.api.namespaces[ns])));
    return set;
  }

  /** The MLX namespace an expression names (`mx`, `mx.fast`, `nn.init`), if it names one. */
  namespaceOf(n: SyntaxNode): string | undefined {
    if (n.type === "identifier") return this.aliases.get(n.text) || undefined;
    if (n.type !== "attribute") return undefined;
    const base = this.namespaceOf(n.childForFieldName("object")!);
    if (!base) return undefined;
    const attr = n.childForFieldName("attribute")!.text;
    if (base === "mlx") return MLX_SUBMODULES[attr];
    const key = `${base}.${attr}`;
    return this.api.namespaces[key] ? key : undefined;
  }

  run(root: SyntaxNode): void {
    // a whole tree: its attributes and classes from the tree's index, in document order (the order a walk meets them)
    if (root === root.tree.rootNode) {
      for (const n of root.tree.nodesOfTypes(["attribute", "class_definition"])) {
        if (n.type === "attribute") this.attribute(n, this.knownAt(n));
        else this.moduleClass(n, root);
      }
      return;
    }
    const visit = (n: SyntaxNode, known: Known): void => {
      if (n.type === "attribute") this.attribute(n, known);
      if (n.type === "function_definition" || n.type === "lambda") {
        // a function's array names are worked out only if an attribute of a bare name asks for them
        const inner = this.innerKnown(n);
        for (const c of n.namedNonComment) visit(c, c.type === "block" || c === n.childForFieldName("body") ? inner : known);
        return;
      }
      if (n.type === "class_definition") this.moduleClass(n, root);
      for (const c of n.namedNonComment) visit(c, known);
    };
    visit(root, () => NONE);
  }

  private readonly innerKnowns = new Map<SyntaxNode, Known>();

  /** The array names known inside a function's or lambda's body (a function's worked out on first use, once). */
  private innerKnown(fn: SyntaxNode): Known {
    let k = this.innerKnowns.get(fn);
    if (!k) {
      let memo: Set<string> | undefined;
      k = fn.type === "function_definition" ? () => (memo ??= this.knownArrays(fn)) : () => NONE;
      this.innerKnowns.set(fn, k);
    }
    return k;
  }

  /** What the walk in `run` passes down to `n`: the nearest function or lambda whose body holds it decides. */
  private knownAt(n: SyntaxNode): Known {
    let child = n;
    for (let p = n.parent; p; child = p, p = p.parent)
      if ((p.type === "function_definition" || p.type === "lambda") && (child.type === "block" || child === p.childForFieldName("body"))) return this.innerKnown(p);
    return () => NONE;
  }

  private attribute(n: SyntaxNode, known: Known): void {
    const obj = n.childForFieldName("object")!;
    const attr = n.childForFieldName("attribute")!.text;
    const ns = this.namespaceOf(obj);
    if (ns) {
      if (ns === "mlx") return;
      if (!this.names(ns).has(attr) && !this.api.namespaces[`${ns}.${attr}`]) this.findings.push(finding("C2M-E024", n, `${ns}.${attr} does not exist in MLX ${this.api.mlx}`));
      return;
    }
    const called = n.parent?.type === "call" && n.parent.childForFieldName("function") === n;
    const ownFunction = obj.type === "identifier" && this.importedNames.has(obj.text);
    if (called && !ownFunction && /^[a-z]\w*[a-z0-9]_$/.test(attr) && (this.array.has(attr.slice(0, -1)) || TORCH_IN_PLACE.has(attr))) {
      this.findings.push(finding("C2M-E025", n, `.${attr}() is a torch in-place method: mx.array has none`));
      return;
    }
    if (!this.array.has(attr) && this.isArray(obj, known)) this.findings.push(finding("C2M-E025", n, `mx.array has no attribute '${attr}'`));
  }

  /** Whether an expression is known to evaluate to one mx.array. */
  private isArray(e: SyntaxNode, known: Known): boolean {
    if (e.type === "identifier") return known().has(e.text);
    if (e.type === "parenthesized_expression") return this.isArray(e.namedNonComment[0], known);
    if (e.type !== "call") return false;
    const fn = e.childForFieldName("function")!;
    if (fn.type !== "attribute") return false;
    const name = fn.childForFieldName("attribute")!.text;
    const ns = this.namespaceOf(fn.childForFieldName("object")!);
    if (ns) return ARRAY_NAMESPACES.has(ns) && this.names(ns).has(name) && !NOT_ARRAY_FUNCTIONS.test(name);
    return this.array.has(name) && !NOT_ARRAY_METHODS.has(name) && this.isArray(fn.childForFieldName("object")!, known);
  }

  /** Names of a function that hold an array wherever they are bound: parameters annotated `mx.array`, names only ever assigned arrays. */
  private knownArrays(fn: SyntaxNode): Set<string> {
    const known = new Set<string>();
    for (const p of fn.childForFieldName("parameters")?.namedNonComment ?? []) {
      const type = p.childForFieldName("type");
      const name = p.type === "typed_parameter" ? p.namedNonComment[0] : p.childForFieldName("name");
      if (type && name?.type === "identifier" && type.text.replace(/\s/g, "") === "mx.array" && this.aliases.get("mx") === "mx") known.add(name.text);
    }
    const assigned = new Map<string, SyntaxNode[]>();
    const other = new Set<string>();
    const walk = (n: SyntaxNode): void => {
      if (n.type === "function_definition" || n.type === "lambda" || n.type === "class_definition") return;
      if (n.type === "assignment") {
        const left = n.childForFieldName("left")!;
        const right = n.childForFieldName("right");
        if (left.type === "identifier" && right) assigned.set(left.text, [...(assigned.get(left.text) ?? []), right]);
        else for (const id of identifiersIn(left)) other.add(id.text);
      } else if (n.type === "for_statement" || n.type === "for_in_clause") for (const id of identifiersIn(n.childForFieldName("left")!)) other.add(id.text);
      else if (n.type === "as_pattern_target" || n.type === "named_expression" || n.type === "global_statement" || n.type === "nonlocal_statement")
        for (const id of n.descendantsOfType("identifier")) other.add(id.text);
      for (const c of n.namedNonComment) walk(c);
    };
    walk(fn.childForFieldName("body")!);
    for (const p of fn.childForFieldName("parameters")?.descendantsOfType("identifier") ?? []) if (!known.has(p.text)) other.add(p.text);
    // a name assigned from another known array is known once that one is: iterate to a fixpoint
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, rights] of assigned) {
        if (known.has(name) || other.has(name)) continue;
        if (rights.every((r) => this.isArray(r, () => known))) {
          known.add(name);
          changed = true;
        }
      }
    }
    return known;
  }

  /** `self.X` in a module class must be defined by the class, its module bases in the file, or mlx.nn.Module. */
  private moduleClass(cls: SyntaxNode, root: SyntaxNode): void {
    const own = this.attributesOf(cls, root);
    if (!own) return;
    const attrs = new Set(own);
    // a base class's methods may read what its subclasses define (an abstract cell whose subclasses make the layers)
    for (const sub of subclassesOf(root, cls)) {
      const more = this.attributesOf(sub, root);
      if (!more) return;
      for (const x of more) attrs.add(x);
    }
    for (const fn of methodsOf(cls)) {
      const self = firstParam(fn);
      if (!self) continue;
      for (const a of fn.descendantsOfType("attribute")) {
        const obj = a.childForFieldName("object")!;
        const name = a.childForFieldName("attribute")!.text;
        if (obj.type !== "identifier" || obj.text !== self || name.startsWith("__")) continue;
        if (attrs.has(name) || this.module.has(name)) continue;
        this.findings.push(finding("C2M-E025", a, `'${cls.childForFieldName("name")!.text}' has no attribute '${name}': neither the class nor mlx.nn.Module defines it`));
      }
    }
  }

  private readonly attributeCache = new Map<SyntaxNode, Set<string> | undefined>();

  private attributesOf(cls: SyntaxNode, root: SyntaxNode): Set<string> | undefined {
    if (!this.attributeCache.has(cls)) this.attributeCache.set(cls, this.classAttributes(cls, root, new Set()));
    return this.attributeCache.get(cls);
  }

  /** Every attribute a module class defines (its own and its module bases'); undefined when it is not a module class we can see whole. */
  private classAttributes(cls: SyntaxNode, root: SyntaxNode, seen: Set<SyntaxNode>): Set<string> | undefined {
    if (seen.has(cls)) return undefined;
    seen.add(cls);
    const bases = cls.childForFieldName("superclasses")?.namedNonComment ?? [];
    if (!bases.length) return undefined;
    const attrs = new Set<string>();
    for (const b of bases) {
      if (b.type === "keyword_argument") return undefined;
      if (b.type === "attribute" && this.namespaceOf(b.childForFieldName("object")!) === "nn" && b.childForFieldName("attribute")!.text === "Module") continue;
      const local = b.type === "identifier" ? topLevelClass(root, b.text) : undefined;
      const inherited = local && this.classAttributes(local, root, seen);
      if (!inherited) return undefined;
      for (const x of inherited) attrs.add(x);
    }
    const body = cls.childForFieldName("body")!;
    // dynamic attributes (setattr, __dict__, __getattr__) make the set unknowable
    if (/\b(setattr|__dict__|__getattr__|__getattribute__|__setattr__)\b/.test(body.text)) return undefined;
    for (const stmt of body.namedNonComment) {
      const def = stmt.type === "decorated_definition" ? stmt.childForFieldName("definition")! : stmt;
      if (def.type === "function_definition" || def.type === "class_definition") attrs.add(def.childForFieldName("name")!.text);
      else if (def.type === "expression_statement")
        for (const a of def.namedNonComment) if (a.type === "assignment") for (const id of identifiersIn(a.childForFieldName("left")!)) attrs.add(id.text);
    }
    for (const fn of methodsOf(cls)) {
      const self = firstParam(fn);
      if (!self) continue;
      // modules and buffers registered by name (the registering call itself is checked on its own)
      for (const call of fn.descendantsOfType("call")) {
        const callee = call.childForFieldName("function")!;
        const first = call.childForFieldName("arguments")?.namedNonComment[0];
        if (
          callee.type === "attribute" &&
          callee.childForFieldName("object")!.text === self &&
          REGISTERING.has(callee.childForFieldName("attribute")!.text) &&
          first?.type === "string"
        )
          attrs.add(first.text.slice(1, -1));
        // c2m's own helper for a buffer registered with a persistence known at run time: c2m_register_buffer(self, "name", ...)
        const [owner, name] = call.childForFieldName("arguments")?.namedNonComment ?? [];
        if (callee.type === "identifier" && callee.text === "c2m_register_buffer" && owner?.text === self && name?.type === "string") attrs.add(name.text.slice(1, -1));
      }
      for (const t of fn.descendantsOfType(["assignment", "augmented_assignment", "for_statement", "as_pattern_target"])) {
        const left = t.type === "as_pattern_target" ? t : t.childForFieldName("left");
        for (const a of left ? [left, ...left.descendantsOfType("attribute")] : []) {
          if (a.type === "attribute" && a.childForFieldName("object")!.text === self) attrs.add(a.childForFieldName("attribute")!.text);
        }
      }
    }
    return attrs;
  }
}

const TORCH_IN_PLACE = new Set([
  "add_",
  "sub_",
  "mul_",
  "div_",
  "fill_",
  "zero_",
  "copy_",
  "clamp_",
  "masked_fill_",
  "triu_",
  "tril_",
  "normal_",
  "uniform_",
  "exp_",
  "sqrt_",
  "pow_",
  "index_add_",
  "scatter_",
  "scatter_add_",
  "index_copy_",
  "index_fill_",
  "unsqueeze_",
  "squeeze_",
  "transpose_",
  "t_",
  "resize_",
  "detach_",
  "requires_grad_",
  "relu_",
  "sigmoid_",
  "tanh_",
  "neg_",
  "abs_",
  "addmm_",
  "baddbmm_",
  "lerp_",
  "mul_",
  "div_",
  "clamp_min_",
  "clamp_max_",
  "bernoulli_",
  "exponential_",
  "random_",
  "log_",
  "erfinv_",
]);

const REGISTERING = new Set(["add_module", "register_module", "register_buffer", "register_parameter"]);

function identifiersIn(n: SyntaxNode): SyntaxNode[] {
  return n.type === "identifier" ? [n] : n.descendantsOfType("identifier");
}

function methodsOf(cls: SyntaxNode): SyntaxNode[] {
  return cls
    .childForFieldName("body")!
    .namedNonComment.filter((s) => !(s.type === "decorated_definition" && /@staticmethod\b/.test(s.text.split("def ")[0])))
    .map((s) => (s.type === "decorated_definition" ? s.childForFieldName("definition")! : s))
    .filter((d) => d.type === "function_definition");
}

function firstParam(fn: SyntaxNode): string | undefined {
  const p = fn.childForFieldName("parameters")?.namedNonComment[0];
  if (!p) return undefined;
  const id = p.type === "identifier" ? p : p.type === "typed_parameter" ? p.namedNonComment[0] : undefined;
  return id?.type === "identifier" ? id.text : undefined;
}

/** The file's top-level classes that derive from `cls` by name, directly or through each other. */
function subclassesOf(root: SyntaxNode, cls: SyntaxNode): SyntaxNode[] {
  const classes = root.namedNonComment.map((s) => (s.type === "decorated_definition" ? s.childForFieldName("definition")! : s)).filter((d) => d.type === "class_definition");
  const names = new Set([cls.childForFieldName("name")!.text]);
  const out: SyntaxNode[] = [];
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of classes) {
      if (out.includes(c) || c === cls) continue;
      if ((c.childForFieldName("superclasses")?.namedNonComment ?? []).some((b) => b.type === "identifier" && names.has(b.text))) {
        out.push(c);
        names.add(c.childForFieldName("name")!.text);
        grew = true;
      }
    }
  }
  return out;
}

function topLevelClass(root: SyntaxNode, name: string): SyntaxNode | undefined {
  for (const s of root.namedNonComment) {
    const def = s.type === "decorated_definition" ? s.childForFieldName("definition")! : s;
    if (def.type === "class_definition" && def.childForFieldName("name")!.text === name) return def;
  }
  return undefined;
}
