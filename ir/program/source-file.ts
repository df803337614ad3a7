/**
 * One file of a program: read, parsed and bound when first asked. A file whose shape is all a question
 * needs (a library module defining a base class, an `__init__.py` re-exporting names) is parsed as its
 * outline, function bodies left out (grammar/python-outline.ts); the whole tree is parsed only when the
 * file's classes are interpreted or the file is compiled. `origin` says whether the user's folder or a
 * library search path holds it.
 */
import { pythonOutline } from "../../grammar/python-outline.js";
import { firstError, parseModule, type SyntaxNode, type Tree } from "../../grammar/python.js";
import { bindFile } from "../binder/binder.js";
import type { FileScope } from "../binder/symbol.js";

export type FileOrigin = "user" | "library";

export class SourceFile {
  /** undefined: not parsed yet; null: unreadable or not valid Python */
  private full: Tree | null | undefined;
  private outline: Tree | null | undefined;
  private text: string | null | undefined;

  constructor(
    readonly path: string,
    readonly origin: FileOrigin,
    /** the folder absolute imports of this file start from (its top package's parent, or its own folder) */
    readonly importRoot: string,
    private readonly read: () => string | undefined,
    /** the tree, when the caller parsed the file already (the file being compiled) */
    tree?: Tree,
  ) {
    this.full = tree;
  }

  get isPackageInit(): boolean {
    return this.path.endsWith("/__init__.py") || this.path === "__init__.py";
  }

  private source(): string | undefined {
    if (this.text === undefined) this.text = this.read() ?? null;
    return this.text ?? undefined;
  }

  /** The file's text, read once per program; undefined when it cannot be read. */
  get sourceText(): string | undefined {
    return this.source();
  }

  /** The whole syntax tree, or undefined when the file cannot be read or does not parse. */
  get tree(): Tree | undefined {
    if (this.full === undefined) this.full = parseValid(this.source());
    return this.full ?? undefined;
  }

  /** Whether the whole tree was parsed already (asking `tree` would not parse). */
  get hasTree(): boolean {
    return this.full !== undefined;
  }

  /**
   * Takes the tree the compile parsed from the text it was given, when this file's whole tree was not parsed
   * yet; false when it was, from other text (the caller then replaces the file).
   */
  adopt(tree: Tree): boolean {
    if (this.full === undefined || this.full === null) {
      this.full = tree;
      return true;
    }
    return this.full === tree;
  }

  get root(): SyntaxNode | undefined {
    return this.tree?.rootNode;
  }

  /**
   * The whole tree if it was parsed, else the outline (module-level statements, `__init__` bodies and the
   * functions they call): enough to bind the file and to interpret its module classes' constructors.
   */
  get shape(): Tree | undefined {
    return this.full ?? this.outlineTree();
  }

  /** The module scope (from `shape`), or undefined when the file has no tree. */
  get scope(): FileScope | undefined {
    const shape = this.shape;
    return shape ? bindFile(shape.rootNode) : undefined;
  }

  private outlineTree(): Tree | undefined {
    if (this.outline === undefined) {
      const text = this.source();
      const outline = text === undefined ? undefined : pythonOutline(text);
      // where the outline does not parse (a construct its scanner does not know), the whole text does
      this.outline = outline === undefined ? null : parseValid(outline);
    }
    return this.outline ?? this.tree;
  }
}

function parseValid(text: string | undefined): Tree | null {
  if (text === undefined) return null;
  try {
    const tree = parseModule(text);
    return firstError(tree.rootNode) ? null : tree;
  } catch {
    return null;
  }
}
