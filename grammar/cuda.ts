/**
 * CUDA front end: web-tree-sitter with the tree-sitter-cuda grammar compiled to wasm. The native
 * binding of tree-sitter-cuda is ABI-incompatible with the installed native tree-sitter, so the wasm
 * build is used. Loading is asynchronous; it runs once, at module load (top-level await), so that
 * `parseCuda` can be synchronous for its callers.
 *
 * The kernel passes work on a plain copy of the tree (grammar/syntax-tree.ts says why). web-tree-sitter's
 * own cursor marshals its state through the wasm heap around every step, which costs more than the step;
 * the copy drives the same exported cursor functions directly and leaves the cursor state in web-tree-sitter's
 * transfer buffer between steps, where those functions read and write it.
 */
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { Language, Parser } from "web-tree-sitter";
import type { Tree as WasmTree } from "web-tree-sitter";
import { copyNodes, SyntaxNode, Tree, type SourceNode } from "./syntax-tree.js";

export type { SyntaxNode as CudaNode, Tree as CudaTree };

const require = createRequire(import.meta.url);

/** The Emscripten module behind web-tree-sitter: the cursor functions it exports, and its heap. */
interface WasmModule {
  HEAP32: Int32Array;
  _ts_init(): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
}

/** web-tree-sitter keeps a tree's and a cursor's wasm handles in their numbered properties. */
type Handles = Record<0 | 1 | 2 | 3, number>;

async function loadParser(): Promise<{ parser: Parser; language: Language; wasm: WasmModule }> {
  // V8's optimising wasm tier (TurboFan) recompiles the grammar's huge lexer function in the background
  // once it is hot, and node waits for that job before it exits: 300-500 ms of a one-file `c2m kernel`.
  // The baseline tier (Liftoff) parses as fast here, because the time goes in the JS wrapper of
  // web-tree-sitter, not in wasm. Must be set before the first wasm module compiles.
  setFlagsFromString("--liftoff-only");
  // Emscripten builds its module on the object it is given: this one
  const wasm = {} as WasmModule;
  await Parser.init(wasm as object);
  const language = await Language.load(require.resolve("tree-sitter-cuda/tree-sitter-cuda.wasm"));
  const parser = new Parser();
  parser.setLanguage(language);
  return { parser, language, wasm };
}

const { parser, language, wasm } = await loadParser();
/** web-tree-sitter's transfer buffer, in HEAP32 elements; `_ts_init` only returns its address (and writes two version numbers in it) */
const TRANSFER = wasm._ts_init() >> 2;

/** The bare parse: web-tree-sitter's own tree, which holds wasm memory until `delete()`. */
export function parseCudaTree(source: string): WasmTree {
  const tree = parser.parse(source);
  if (!tree) throw new Error("c2m internal: tree-sitter-cuda returned no tree");
  return tree;
}

/** Parse CUDA (C++ with CUDA extensions) source into a plain syntax tree. */
export function parseCuda(source: string): Tree {
  const native = parseCudaTree(source);
  try {
    return new Tree(source, (tree) => (native.rootNode.hasError ? copyNodes(tree, native.rootNode as unknown as SourceNode) : copyWithCursor(tree, native)));
  } finally {
    native.delete();
  }
}

/** Per grammar type id: name and whether it is named (`typeNamed` is filled on first sight of a type). */
const typeNames = language.types;
const typeNamed: boolean[] = [];

/**
 * Copies an error-free tree in one walk of a cursor: per node its type, span and field, read by the cursor
 * functions themselves. (A tree with errors goes through `copyNodes`, which also sees MISSING tokens.)
 */
function copyWithCursor(tree: Tree, native: WasmTree): SyntaxNode {
  const cursor = native.walk() as unknown as Handles & { delete(): void };
  const t = (native as unknown as Handles)[0];
  let heap = wasm.HEAP32;
  for (let i = 0; i < 4; i++) heap[TRANSFER + i] = cursor[i as 0];
  const make = (): SyntaxNode => {
    const id = wasm._ts_tree_cursor_current_node_type_id_wasm(t);
    const named = (typeNamed[id] ??= language.nodeTypeIsNamed(id));
    const n = new SyntaxNode(tree, typeNames[id] ?? "ERROR", named, false, wasm._ts_tree_cursor_start_index_wasm(t), wasm._ts_tree_cursor_end_index_wasm(t));
    const f = wasm._ts_tree_cursor_current_field_id_wasm(t);
    if (f) n.fieldName = language.fields[f];
    return n;
  };
  const root = make();
  // the open inner nodes above the cursor, and the children found so far for each
  const open: SyntaxNode[] = [];
  const kids: SyntaxNode[][] = [];
  let cur = root;
  let descend = true;
  for (;;) {
    if (descend && wasm._ts_tree_cursor_goto_first_child_wasm(t)) {
      open.push(cur);
      kids.push([(cur = make())]);
      continue;
    }
    if (!open.length) break;
    if (wasm._ts_tree_cursor_goto_next_sibling_wasm(t)) {
      kids[kids.length - 1].push((cur = make()));
      descend = true;
      continue;
    }
    wasm._ts_tree_cursor_goto_parent_wasm(t);
    cur = open.pop()!;
    SyntaxNode.link(cur, kids.pop()!);
    descend = false;
  }
  // the cursor's stack may have moved while it grew: hand its final state back before freeing it
  heap = wasm.HEAP32;
  for (let i = 0; i < 4; i++) cursor[i as 0] = heap[TRANSFER + i];
  cursor.delete();
  return root;
}

/** S-expression-like dump of a tree, for debugging and tests. */
export function dumpTree(node: SyntaxNode, indent = 0): string {
  const pad = "  ".repeat(indent);
  const head = `${pad}${node.type}${node.childCount === 0 ? ` ${JSON.stringify(node.text)}` : ""}`;
  const kids = node.children.map((c) => dumpTree(c, indent + 1));
  return [head, ...kids].join("\n");
}
