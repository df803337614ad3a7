/**
 * Python front end: tree-sitter-python (native binding, synchronous) plus small CST helpers. The compiler
 * works on a plain copy of tree-sitter's tree (`parseModule`; grammar/syntax-tree.ts says why), made here in
 * one cursor walk that asks the native binding as little as it can.
 */
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import { copyNodes, nodeList, SyntaxNode, Tree } from "./syntax-tree.js";
import { firstErrorNode } from "./python3-check.js";

export { SyntaxNode, Tree, type Point } from "./syntax-tree.js";

export type NativeTree = Parser.Tree;

let parser: Parser | undefined;

/** The bare tree-sitter parse (native tree). */
export function parsePython(source: string): NativeTree {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(Python as unknown as Parser.Language);
  }
  // tree-sitter's default 32 KiB buffer chunks strings it reads by callback; large files need a larger one
  return parser.parse(source, undefined, { bufferSize: Math.max(32 * 1024, source.length * 4 + 1024) });
}

/** Parses `source` and copies the tree into plain objects (see the file comment). */
export function parseModule(source: string): Tree {
  return plainTree(parsePython(source), source);
}

/** The plain copy of a tree `parsePython` already made (for a caller that first asks the native tree something). */
export function plainTreeOf(native: NativeTree, source: string): Tree {
  return plainTree(native, source);
}

/**
 * A plain copy that takes subtrees from an earlier plain tree instead of copying them: `reuse` is asked for
 * each inner node (its span and type) and returns a copy of the earlier tree's node it stands for, made in
 * `tree`, or undefined to have the node copied (grammar/incremental.ts). Error-free trees only.
 */
export function plainTreeReusing(native: NativeTree, source: string, reuse: ReuseSubtree): Tree {
  return new Tree(source, (tree) => copyWithCursor(tree, native, reuse));
}

export type ReuseSubtree = (tree: Tree, start: number, end: number, type: string) => SyntaxNode | undefined;

/** Per grammar type id (the same for every tree of the language): name, named or not, kind of leaf. */
const typeNames: string[] = [];
const typeNamed: boolean[] = [];
/** 0: may have children; 1: always a leaf; 2: always a leaf whose text is its type name (a keyword or operator) */
const typeLeaf: number[] = [];
/** per type id: the anonymous child types that can have a field (undefined: no child has a field) */
const typeFieldAnon: (Set<string> | undefined)[] = [];
const fieldNames: (string | null)[] = [null];

/** Named node types that are single tokens (the cursor need not look for their children). */
const NAMED_LEAVES = new Set([
  "identifier",
  "integer",
  "float",
  "none",
  "true",
  "false",
  "ellipsis",
  "comment",
  "string_start",
  "string_end",
  "escape_sequence",
  "type_conversion",
]);

/**
 * Which children can carry a field name, from the grammar's node types (node-types.json): per parent type
 * with fields, the anonymous child types a field can hold (operators; punctuation never has a field). A
 * child of another type of parent, or an anonymous child not listed, is not asked for its field.
 */
let fieldTypes: Map<string, Set<string>> | undefined;
function anonymousFieldTypes(type: string): Set<string> | undefined {
  if (!fieldTypes) {
    fieldTypes = new Map();
    const info = (Python as unknown as { nodeTypeInfo?: NodeTypeInfo[] }).nodeTypeInfo;
    for (const t of info ?? []) {
      const fields = Object.values(t.fields ?? {});
      if (fields.length) fieldTypes.set(t.type, new Set(fields.flatMap((f) => f.types.filter((x) => !x.named).map((x) => x.type))));
    }
  }
  // without the grammar's node types every node is asked for its field
  return fieldTypes.size ? fieldTypes.get(type) : ANY_TYPE;
}
interface NodeTypeInfo {
  type: string;
  fields?: Record<string, { types: { type: string; named: boolean }[] }>;
}
/** stands for "every anonymous type" when node-types.json is missing */
const ANY_TYPE = { has: () => true } as unknown as Set<string>;

/**
 * Inner nodes whose span can reach past their visible children: hidden tokens (the module's trailing
 * newline, the unnamed text runs around a string's escape sequences) count in a node's span.
 */
const SPANS_HIDDEN_TOKENS = new Set(["module", "string_content"]);

/**
 * Copies a native tree into plain nodes. An error-free tree is copied with one cursor walk, asking the
 * cursor as little as possible (each question is a call into C++): leaves, and the inner nodes above, take
 * their positions from the cursor (a keyword or operator ends its type name's length after its start); any
 * other inner node spans exactly its first child's start to its last child's end. A tree with errors (rare;
 * compiling stops at the first one) is copied node by node through the native node API, which also lists
 * the MISSING tokens the cursor does not visit.
 */
function plainTree(native: NativeTree, source: string): Tree {
  return new Tree(source, (tree) => (native.rootNode.hasError ? copyNodes(tree, native.rootNode) : copyWithCursor(tree, native)));
}

/** What the grammar skips between tokens (tree-sitter-python's extras, less the comments and line continuations, which are nodes). */
const SKIPPED = new Set([" ", "\t", "\n", "\r", "\f", "\v", "\uFEFF", "\u2060", "\u200B"]);
/** Parents inside which text between tokens belongs to a string, not to the grammar's whitespace. */
const STRING_PARTS = new Set(["string", "string_content", "format_specifier"]);
/** Named tokens whose text is fixed. */
const FIXED_TEXT: Record<string, number> = { none: 4, true: 4, false: 5, ellipsis: 3 };
/** tree-sitter-python's identifier. */
const IDENTIFIER = /[_\p{XID_Start}][_\p{XID_Continue}]*/uy;

/**
 * The same string, internalized (V8 keeps one copy of each such string). The binding hands out fresh
 * strings for type and field names, and the passes compare them with literals at nearly every step: two
 * internalized strings compare by identity, others character by character. Property keys are internalized.
 */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0];
}

function copyWithCursor(tree: Tree, native: NativeTree, reuse?: ReuseSubtree): SyntaxNode {
  const c = native.walk();
  const src = tree.source;
  /** whether the node `make` last made is a token (no children to look for), and which of its children can have fields */
  let token = false;
  let childFields: Set<string> | undefined;
  /**
   * The node under the cursor; `parentFields`: which of its parent's children can have fields; `prev`: its
   * previous sibling, after which a token starts at the first character the grammar does not skip.
   */
  const make = (parentFields: Set<string> | undefined, parent: SyntaxNode | undefined, prev: SyntaxNode | undefined): SyntaxNode => {
    const id = c.nodeTypeId;
    let type = typeNames[id];
    if (type === undefined) {
      type = typeNames[id] = internalized(c.nodeType);
      const named = (typeNamed[id] = c.nodeIsNamed);
      // anonymous nodes are keywords and operators, except the two-word operators (`is not`, `not in`), which have children
      typeLeaf[id] = named ? (NAMED_LEAVES.has(type) ? 1 : 0) : /\s/.test(type) ? 0 : 2;
      typeFieldAnon[id] = anonymousFieldTypes(type);
    }
    const leaf = typeLeaf[id];
    if (reuse !== undefined && leaf === 0) {
      const taken = reuse(tree, c.startIndex, c.endIndex, type);
      if (taken) {
        // a whole subtree, not descended into; its field is its new parent's
        token = true;
        childFields = undefined;
        const f = parentFields && (typeNamed[id] || parentFields.has(type)) ? c.currentFieldId : 0;
        taken.fieldName = f ? (fieldNames[f] ??= internalized(c.currentFieldName)) : null;
        return taken;
      }
    }
    const n = SyntaxNode.create(tree, type, typeNamed[id], false, -1, -1);
    token = leaf !== 0;
    childFields = typeFieldAnon[id];
    if (leaf !== 0 || SPANS_HIDDEN_TOKENS.has(type)) {
      let start: number;
      if (prev && leaf !== 0 && !STRING_PARTS.has(parent!.type)) {
        start = prev.endIndex;
        while (SKIPPED.has(src[start])) start++;
      } else start = c.startIndex;
      n.startIndex = start;
      if (leaf === 2) n.endIndex = start + type.length;
      else if (type === "identifier") {
        IDENTIFIER.lastIndex = start;
        n.endIndex = IDENTIFIER.test(src) ? IDENTIFIER.lastIndex : c.endIndex;
      } else if (FIXED_TEXT[type] !== undefined) n.endIndex = start + FIXED_TEXT[type];
      else n.endIndex = c.endIndex;
    }
    if (parentFields && (typeNamed[id] || parentFields.has(type))) {
      const f = c.currentFieldId;
      if (f) n.fieldName = fieldNames[f] ??= internalized(c.currentFieldName);
    }
    return n;
  };
  const root = make(undefined, undefined, undefined);
  // per open inner node: the node, where its children start on `pending`, and which of them can have fields.
  // Children wait on one shared stack and each node gets an exact-size array of them when it closes (arrays
  // grown by push keep spare capacity, and the tree lives as long as the compile).
  const nodes: SyntaxNode[] = [];
  const starts: number[] = [];
  const fields: (Set<string> | undefined)[] = [];
  const pending: SyntaxNode[] = [];
  // the stack's height: entries above it are stale, overwritten as it grows again (truncating the array each
  // time a node closes costs a runtime call per inner node)
  let top = 0;
  let cur = root;
  for (;;) {
    if (!token) {
      const parentFields = childFields;
      if (c.gotoFirstChild()) {
        nodes.push(cur);
        fields.push(parentFields);
        starts.push(top);
        const n = make(parentFields, cur, undefined);
        pending[top++] = n;
        cur = n;
        continue;
      }
      // an inner node's type without children here
      if (cur.startIndex < 0) {
        cur.startIndex = c.startIndex;
        cur.endIndex = c.endIndex;
      }
    }
    for (;;) {
      if (nodes.length && c.gotoNextSibling()) {
        const n = make(fields[fields.length - 1], nodes[nodes.length - 1], pending[top - 1]);
        pending[top++] = n;
        cur = n;
        break;
      }
      if (!nodes.length || !c.gotoParent()) return root;
      const parent = nodes.pop()!;
      const start = starts.pop()!;
      const ks = nodeList(pending, start, top);
      top = start;
      fields.pop();
      SyntaxNode.link(parent, ks);
      if (parent.startIndex < 0) {
        parent.startIndex = ks[0].startIndex;
        parent.endIndex = ks[ks.length - 1].endIndex;
      }
      cur = parent;
      token = true;
    }
  }
}

/** The first syntax error or missing node, depth-first, or undefined (iterative: deep nesting is input, not a crash). */
export const firstError = firstErrorNode;

/**
 * Statements and clauses whose blocks run in the enclosing scope: an if, a loop, a try, a with, a match (a def or a
 * class opens a scope of its own). The layout pass finds definitions through them; the output checker reports
 * an empty block under them.
 */
export const FLOW_BLOCK_OWNERS: ReadonlySet<string> = new Set([
  "if_statement",
  "elif_clause",
  "else_clause",
  "for_statement",
  "while_statement",
  "try_statement",
  "except_clause",
  "finally_clause",
  "with_statement",
  "match_statement",
  "case_clause",
]);

/** Named children of a node, skipping comments. */
export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  return node.namedNonComment;
}

/** `a.b.c` for identifier/attribute chains, else undefined. */
export function dottedName(node: SyntaxNode | null): string | undefined {
  if (!node) return undefined;
  const memo = node.cache;
  if (memo.dotted !== undefined) return memo.dotted ?? undefined;
  let name: string | undefined;
  if (node.type === "identifier") name = node.text;
  else if (node.type === "attribute") {
    const obj = dottedName(node.childForFieldName("object"));
    const attr = node.childForFieldName("attribute");
    name = obj && attr ? `${obj}.${attr.text}` : undefined;
  }
  memo.dotted = name ?? null;
  return name;
}

/** The names an import statement binds, in order with their parts (`a.b as c` binds c; `import a.b` binds a). */
export function importBindings(stmt: SyntaxNode): { name: string; node: SyntaxNode }[] {
  const out: { name: string; node: SyntaxNode }[] = [];
  const moduleName = stmt.childForFieldName("module_name");
  for (const c of stmt.namedNonComment) {
    if (c === moduleName) continue;
    if (c.type === "aliased_import") out.push({ name: c.childForFieldName("alias")!.text, node: c });
    else if (c.type === "dotted_name") out.push({ name: stmt.type === "import_statement" ? c.namedNonComment[0].text : c.text, node: c });
  }
  return out;
}

export interface CallArgs {
  positional: SyntaxNode[];
  keyword: Map<string, SyntaxNode>;
  /** *args / **kwargs splats: calls with these are not normalised */
  splat: boolean;
}

/** Each call's arguments, read once (the passes ask for them several times per call); shared, so read-only. */
const callArgsCache = new WeakMap<SyntaxNode, CallArgs>();

export function callArgs(call: SyntaxNode): CallArgs {
  let args = callArgsCache.get(call);
  if (!args) callArgsCache.set(call, (args = readCallArgs(call)));
  return args;
}

function readCallArgs(call: SyntaxNode): CallArgs {
  const out: CallArgs = { positional: [], keyword: new Map(), splat: false };
  const list = call.childForFieldName("arguments");
  if (!list) return out;
  if (list.type === "generator_expression") {
    out.positional.push(list);
    return out;
  }
  const items = namedChildren(list);
  for (let i = 0; i < items.length; i++) {
    const a = items[i];
    if (a.type === "keyword_argument") {
      out.keyword.set(a.childForFieldName("name")!.text, a.childForFieldName("value")!);
    } else if (a.type === "list_splat" || a.type === "dictionary_splat") {
      out.splat = true;
      out.positional.push(a);
    } else out.positional.push(a);
  }
  return out;
}

/** Integer literal value (including a leading minus), else undefined. */
export function intLiteral(node: SyntaxNode | undefined | null): number | undefined {
  if (!node) return undefined;
  if (node.type === "integer") return Number(node.text.replace(/_/g, ""));
  if (node.type === "unary_operator" && node.child(0)?.text === "-") {
    const v = intLiteral(node.namedChildren[0]);
    return v === undefined ? undefined : -v;
  }
  if (node.type === "parenthesized_expression") return intLiteral(namedChildren(node)[0]);
  return undefined;
}

/** Values of a tuple/list of integer literals, or a single integer, else undefined. */
export function intTuple(node: SyntaxNode | undefined | null): number[] | undefined {
  if (!node) return undefined;
  const single = intLiteral(node);
  if (single !== undefined) return [single];
  if (node.type === "tuple" || node.type === "list" || node.type === "parenthesized_expression") {
    const vals = namedChildren(node).map(intLiteral);
    return vals.every((v) => v !== undefined) ? (vals as number[]) : undefined;
  }
  return undefined;
}

/**
 * A stable string key for a node: the key of `ctx.rewrites` (the plugin API). Within one compile each node
 * is one object (grammar/syntax-tree.ts), so the compiler's own maps may key by the node itself.
 */
export function nodeKey(node: SyntaxNode): string {
  const memo = node.cache;
  return (memo.key ??= `${node.startIndex}:${node.endIndex}:${node.type}`);
}
