/**
 * One file of a program: read, parsed and bound when first asked (a library file that only names a base
 * class is parsed, never compiled). `origin` says whether the user's folder or a library search path
 * holds it.
 */
import { firstError, parseModule, type SyntaxNode, type Tree } from "../../grammar/python.js";
import { bindFile } from "../binder/binder.js";
import type { FileScope } from "../binder/symbol.js";

export type FileOrigin = "user" | "library";

export class SourceFile {
  private parsed: Tree | null | undefined;

  constructor(
    readonly path: string,
    readonly origin: FileOrigin,
    /** the folder absolute imports of this file start from (its top package's parent, or its own folder) */
    readonly importRoot: string,
    private readonly read: () => string | undefined,
    /** the tree, when the caller parsed the file already (the file being compiled) */
    tree?: Tree,
  ) {
    this.parsed = tree;
  }

  get isPackageInit(): boolean {
    return this.path.endsWith("/__init__.py") || this.path === "__init__.py";
  }

  /** The syntax tree, or undefined when the file cannot be read or does not parse. */
  get tree(): Tree | undefined {
    if (this.parsed === undefined) {
      const text = this.read();
      let tree: Tree | null = null;
      if (text !== undefined) {
        try {
          tree = parseModule(text);
          if (firstError(tree.rootNode)) tree = null;
        } catch {
          tree = null;
        }
      }
      this.parsed = tree;
    }
    return this.parsed ?? undefined;
  }

  get root(): SyntaxNode | undefined {
    return this.tree?.rootNode;
  }

  /** The module scope, or undefined when the file has no tree. */
  get scope(): FileScope | undefined {
    const root = this.root;
    return root ? bindFile(root) : undefined;
  }
}
