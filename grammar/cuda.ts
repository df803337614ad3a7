/**
 * CUDA front end: web-tree-sitter with the tree-sitter-cuda grammar compiled to wasm. The native
 * binding of tree-sitter-cuda is ABI-incompatible with the installed native tree-sitter, so the wasm
 * build is used. Loading is asynchronous; it runs once, at module load (top-level await), so that
 * `parseCuda` can be synchronous for its callers.
 */
import { createRequire } from "node:module";
import { setFlagsFromString } from "node:v8";
import { Language, Parser } from "web-tree-sitter";
import type { Node, Tree } from "web-tree-sitter";

export type { Node as CudaNode, Tree as CudaTree };

const require = createRequire(import.meta.url);

async function loadParser(): Promise<Parser> {
  // V8's optimising wasm tier (TurboFan) recompiles the grammar's huge lexer function in the background
  // once it is hot, and node waits for that job before it exits: 300-500 ms of a one-file `c2m kernel`.
  // The baseline tier (Liftoff) parses as fast here, because the time goes in the JS wrapper of
  // web-tree-sitter, not in wasm. Must be set before the first wasm module compiles.
  setFlagsFromString("--liftoff-only");
  await Parser.init();
  const wasm = require.resolve("tree-sitter-cuda/tree-sitter-cuda.wasm");
  const language = await Language.load(wasm);
  const parser = new Parser();
  parser.setLanguage(language);
  return parser;
}

const parser: Parser = await loadParser();

/** Parse CUDA (C++ with CUDA extensions) source into a concrete syntax tree. */
export function parseCuda(source: string): Tree {
  const tree = parser.parse(source);
  if (!tree) throw new Error("c2m internal: tree-sitter-cuda returned no tree");
  return tree;
}

/** S-expression-like dump of a tree, for debugging and tests. */
export function dumpTree(node: Node, indent = 0): string {
  const pad = "  ".repeat(indent);
  const head = `${pad}${node.type}${node.childCount === 0 ? ` ${JSON.stringify(node.text)}` : ""}`;
  const kids = node.children.filter((c): c is Node => c !== null).map((c) => dumpTree(c, indent + 1));
  return [head, ...kids].join("\n");
}
