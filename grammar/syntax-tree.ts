/**
 * The compiler's syntax trees: a plain JavaScript copy of a tree-sitter tree, for both front ends (Python's
 * native binding, CUDA's wasm one). Every property of a tree-sitter node (`type`, `children`,
 * `childForFieldName`...) is a call across a language boundary that hands out a fresh wrapper object, and
 * the passes read each node many times; the copy is made once per file, has the read-only part of the
 * SyntaxNode interface the passes and plugins use, and has one object per node, so identity comparisons hold.
 */

export interface Point {
  row: number;
  column: number;
}

/** A parsed file: the root node and the source it spans. */
export class Tree {
  readonly rootNode: SyntaxNode;
  private lineStarts?: number[];

  constructor(
    readonly source: string,
    build: (tree: Tree) => SyntaxNode,
  ) {
    this.rootNode = build(this);
  }

  private byType?: Map<string, SyntaxNode[]>;

  /** Every node of a type, in document order (one walk of the tree, on first use; it also numbers the nodes, see `preorder`). */
  nodesOfType(type: string): readonly SyntaxNode[] {
    if (!this.byType) {
      const byType = new Map<string, SyntaxNode[]>();
      const stack = [this.rootNode];
      let order = 0;
      while (stack.length) {
        const n = stack.pop()!;
        n.preorder = order++;
        const list = byType.get(n.type);
        if (list) list.push(n);
        else byType.set(n.type, [n]);
        const kids = n.children;
        for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
      }
      this.byType = byType;
    }
    return this.byType.get(type) ?? NO_NODES;
  }

  /** Every node of any of the types, in document order: the index's lists merged by their numbers (no walk once the index is made). */
  nodesOfTypes(types: readonly string[]): SyntaxNode[] {
    const lists = types.map((t) => this.nodesOfType(t)).filter((l) => l.length);
    if (lists.length <= 1) return [...(lists[0] ?? NO_NODES)];
    // runs already in order: the sort merges them
    return lists.flat().sort((a, b) => a.preorder - b.preorder);
  }

  /**
   * @internal The descendants of `node` (not itself) of the given types, in document order, from the index,
   * or undefined where the tree has no index yet (a subtree walk is cheaper than making one) or `node` is
   * not numbered in it. A subtree is a run of the numbering, from the node to its last leaf (down the last
   * children), found per query so that the index costs nothing more to make.
   */
  indexedDescendants(node: SyntaxNode, types: readonly string[]): SyntaxNode[] | undefined {
    if (!this.byType || node.tree !== this || node.preorder < 0) return undefined;
    const from = node.preorder;
    let last = node;
    while (last.children.length) last = last.children[last.children.length - 1];
    const to = last.preorder;
    const runs: SyntaxNode[][] = [];
    for (const type of types) {
      const list = this.byType.get(type);
      if (!list) continue;
      // the first of the type numbered after `node`
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (list[mid].preorder <= from) lo = mid + 1;
        else hi = mid;
      }
      let end = lo;
      while (end < list.length && list[end].preorder <= to) end++;
      if (end > lo) runs.push(list.slice(lo, end));
    }
    if (runs.length <= 1) return runs[0] ?? [];
    return runs.flat().sort((a, b) => a.preorder - b.preorder);
  }

  /** tree-sitter's point for a UTF-16 index: rows count `\n`, columns count UTF-16 units (what the native binding reports). */
  pointAt(index: number): Point {
    let starts = this.lineStarts;
    if (!starts) {
      starts = [0];
      const s = this.source;
      for (let i = s.indexOf("\n"); i >= 0; i = s.indexOf("\n", i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: index - starts[lo] };
  }
}

export const NO_NODES: readonly SyntaxNode[] = Object.freeze([]);

/**
 * @internal `list.slice(from, to)` as a new array; the short lists most nodes' children are (up to four)
 * are array literals, which V8 pretenures as it does `SyntaxNode.create`'s nodes (a slice is always made young).
 */
export function nodeList(list: readonly SyntaxNode[], from: number, to: number): SyntaxNode[] {
  switch (to - from) {
    case 1:
      return [list[from]];
    case 2:
      return [list[from], list[from + 1]];
    case 3:
      return [list[from], list[from + 1], list[from + 2]];
    case 4:
      return [list[from], list[from + 1], list[from + 2], list[from + 3]];
    default:
      return list.slice(from, to);
  }
}
const NAMED = 1;
const MISSING = 2;
const HAS_ERROR = 4;
/** every child is named (set when the children are linked): the named children are the children, no array made */
const ALL_NAMED = 8;
/** no child is a comment */
const NO_COMMENT = 16;
/** the flags a copy of a node keeps (its children's shape) */
const SHAPE = NAMED | ALL_NAMED | NO_COMMENT;

/** One node of a plain tree. The read-only part of tree-sitter's SyntaxNode interface, computed once. */
export class SyntaxNode {
  parent: SyntaxNode | null = null;
  /** the field this node fills in its parent (`name`, `body`...), or null */
  fieldName: string | null = null;
  children: SyntaxNode[] = NO_NODES as SyntaxNode[];
  /** isNamed, isMissing and hasError, in one field (a tree has hundreds of thousands of nodes) */
  private flags: number;
  /**
   * Facts computed on first use (text, named children...), in one object made when the node is first asked:
   * most nodes never are, and every field of the node itself costs memory and time for each of the
   * hundreds of thousands of nodes a file's copy makes (five cache fields here cost a quarter of the copy).
   */
  private memo: NodeMemo | undefined = undefined;
  /** @internal the node's number in a depth-first walk of the tree (set by Tree.nodesOfType) */
  preorder = -1;

  constructor(
    readonly tree: Tree,
    readonly type: string,
    isNamed: boolean,
    isMissing: boolean,
    public startIndex: number,
    public endIndex: number,
  ) {
    this.flags = (isNamed ? NAMED : 0) | (isMissing ? MISSING : 0);
  }

  /**
   * @internal A new node, as the constructor makes it, built as an object literal: the copies of a tree make
   * hundreds of thousands of nodes that live as long as the compile, and V8 allocates an object literal's
   * objects straight into the old generation once it sees that most of them survive (allocation-site
   * pretenuring), which it does not do for `new`; each young-generation GC otherwise copies every node made
   * since the last one (twice: within the young generation, then out of it). Every node of a Python tree
   * comes from here, so that all have one hidden class; fields in the constructor's order.
   */
  static create(tree: Tree, type: string, isNamed: boolean, isMissing: boolean, startIndex: number, endIndex: number): SyntaxNode {
    return {
      __proto__: SyntaxNode.prototype,
      parent: null,
      fieldName: null,
      children: NO_NODES,
      flags: (isNamed ? NAMED : 0) | (isMissing ? MISSING : 0),
      memo: undefined,
      preorder: -1,
      tree,
      type,
      startIndex,
      endIndex,
    } as unknown as SyntaxNode;
  }

  get isNamed(): boolean {
    return (this.flags & NAMED) !== 0;
  }
  get isMissing(): boolean {
    return (this.flags & MISSING) !== 0;
  }
  get hasError(): boolean {
    return (this.flags & HAS_ERROR) !== 0;
  }
  /** @internal set while copying a tree with errors */
  set hasError(v: boolean) {
    this.flags = v ? this.flags | HAS_ERROR : this.flags & ~HAS_ERROR;
  }
  private get indexInParent(): number {
    return this.parent ? this.parent.children.indexOf(this) : 0;
  }

  /** @internal the node's caches (made on first use) */
  get cache(): NodeMemo {
    // a literal, not `new NodeMemo()`: the memos live as long as their nodes, and V8 pretenures a literal's objects (see `create`)
    return (this.memo ??= { text: undefined, named: undefined, parts: undefined, key: undefined, dotted: undefined });
  }
  get text(): string {
    const memo = this.cache;
    return (memo.text ??= this.tree.source.slice(this.startIndex, this.endIndex));
  }
  get isError(): boolean {
    return this.type === "ERROR";
  }
  get startPosition(): Point {
    return this.tree.pointAt(this.startIndex);
  }
  get endPosition(): Point {
    return this.tree.pointAt(this.endIndex);
  }
  get namedChildren(): SyntaxNode[] {
    if (!this.children.length) return NO_NODES as SyntaxNode[];
    if (this.flags & ALL_NAMED) return this.children;
    const memo = this.cache;
    return (memo.named ??= this.children.filter((c) => c.isNamed));
  }
  /** named children without comments (what grammar/python.ts `namedChildren()` returns), cached */
  get namedNonComment(): SyntaxNode[] {
    if (!this.children.length) return NO_NODES as SyntaxNode[];
    if ((this.flags & (ALL_NAMED | NO_COMMENT)) === (ALL_NAMED | NO_COMMENT)) return this.children;
    const memo = this.cache;
    return (memo.parts ??= this.flags & NO_COMMENT ? this.namedChildren : this.namedChildren.filter((c) => c.type !== "comment"));
  }
  get childCount(): number {
    return this.children.length;
  }
  get namedChildCount(): number {
    return this.namedChildren.length;
  }
  child(index: number): SyntaxNode | null {
    return this.children[index] ?? null;
  }
  namedChild(index: number): SyntaxNode | null {
    return this.namedChildren[index] ?? null;
  }
  get firstChild(): SyntaxNode | null {
    return this.children[0] ?? null;
  }
  get lastChild(): SyntaxNode | null {
    return this.children[this.children.length - 1] ?? null;
  }
  get firstNamedChild(): SyntaxNode | null {
    return this.namedChildren[0] ?? null;
  }
  get lastNamedChild(): SyntaxNode | null {
    const named = this.namedChildren;
    return named[named.length - 1] ?? null;
  }
  get nextSibling(): SyntaxNode | null {
    return this.parent?.children[this.indexInParent + 1] ?? null;
  }
  get previousSibling(): SyntaxNode | null {
    return this.parent?.children[this.indexInParent - 1] ?? null;
  }
  get nextNamedSibling(): SyntaxNode | null {
    const sibs = this.parent?.children ?? NO_NODES;
    for (let i = this.indexInParent + 1; i < sibs.length; i++) if (sibs[i].isNamed) return sibs[i];
    return null;
  }
  get previousNamedSibling(): SyntaxNode | null {
    const sibs = this.parent?.children ?? NO_NODES;
    for (let i = this.indexInParent - 1; i >= 0; i--) if (sibs[i].isNamed) return sibs[i];
    return null;
  }
  childForFieldName(name: string): SyntaxNode | null {
    // an indexed loop: this runs for nearly every node visit, and for-of allocates an iterator here
    const kids = this.children;
    for (let i = 0; i < kids.length; i++) if (kids[i].fieldName === name) return kids[i];
    return null;
  }
  childrenForFieldName(name: string): SyntaxNode[] {
    return this.children.filter((c) => c.fieldName === name);
  }
  /** Descendants (not this node) of the given type(s), in document order. */
  descendantsOfType(types: string | string[]): SyntaxNode[] {
    // from the root, one type: the tree's index (passes ask the whole file for its calls, its blocks...)
    if (!this.parent && typeof types === "string" && this.tree.rootNode === this) return this.tree.nodesOfType(types).filter((n) => n !== this);
    const wanted = typeof types === "string" ? [types] : types;
    // below the root, where the tree is indexed already: the subtree's run of each type's list, not a walk
    const indexed = this.tree.indexedDescendants(this, wanted);
    if (indexed) return indexed;
    const out: SyntaxNode[] = [];
    const stack: SyntaxNode[] = [];
    for (let i = this.children.length - 1; i >= 0; i--) stack.push(this.children[i]);
    while (stack.length) {
      const n = stack.pop()!;
      if (wanted.includes(n.type)) out.push(n);
      const kids = n.children;
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]);
    }
    return out;
  }
  toString(): string {
    const named = this.namedChildren;
    const inner = named.map((c) => (c.fieldName ? `${c.fieldName}: ${c.toString()}` : c.toString()));
    const head = this.isMissing ? `MISSING ${this.type}` : this.type;
    return `(${[head, ...inner].join(" ")})`;
  }

  /** @internal tree construction */
  static link(parent: SyntaxNode, kids: SyntaxNode[]): void {
    parent.children = kids;
    let shape = ALL_NAMED | NO_COMMENT;
    for (let i = 0; i < kids.length; i++) {
      const k = kids[i];
      k.parent = parent;
      if (!(k.flags & NAMED)) shape &= ~ALL_NAMED;
      else if (k.type === "comment") shape &= ~NO_COMMENT;
    }
    parent.flags = (parent.flags & ~(ALL_NAMED | NO_COMMENT)) | shape;
  }

  /**
   * @internal A copy of a subtree in another tree whose text holds the same text `delta` characters later
   * (grammar/incremental.ts), fields kept, caches not; the copy's own field is left for the caller to set.
   */
  static clone(node: SyntaxNode, tree: Tree, delta: number): SyntaxNode {
    const root = SyntaxNode.create(tree, node.type, node.isNamed, false, node.startIndex + delta, node.endIndex + delta);
    root.flags = node.flags & SHAPE;
    // pairs of (original, copy) whose children are still to copy: an explicit stack, as deep input nests deep
    const stack: SyntaxNode[] = [node, root];
    while (stack.length) {
      const out = stack.pop()!;
      const kids = stack.pop()!.children;
      if (!kids.length) continue;
      // an exact-size array of the same kind as the copy's (nodeList), each item replaced by its copy
      const copies = nodeList(kids, 0, kids.length);
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i];
        const c = SyntaxNode.create(tree, k.type, false, false, k.startIndex + delta, k.endIndex + delta);
        c.flags = k.flags & SHAPE;
        c.fieldName = k.fieldName;
        c.parent = out;
        copies[i] = c;
        if (k.children.length) stack.push(k, c);
      }
      out.children = copies;
    }
    return root;
  }

  /**
   * @internal Moves a subtree into another tree whose text holds the same text `delta` characters later
   * (grammar/reparse.ts): positions shift, and so does the one cache that holds a position (the key); the
   * others (text, named children, dotted name) hold what the same text and the same children give. The tree
   * it leaves must not be read again.
   */
  static move(node: SyntaxNode, tree: Tree, delta: number): void {
    const stack = [node];
    while (stack.length) {
      const n = stack.pop()!;
      (n as { tree: Tree }).tree = tree;
      n.startIndex += delta;
      n.endIndex += delta;
      if (n.memo && delta !== 0) n.memo.key = undefined;
      n.preorder = -1;
      const kids = n.children;
      for (let i = 0; i < kids.length; i++) stack.push(kids[i]);
    }
  }
}

/** @internal A node's caches: its text, named children, and the keys and names the passes ask it for. */
export interface NodeMemo {
  text: string | undefined;
  named: SyntaxNode[] | undefined;
  parts: SyntaxNode[] | undefined;
  /** nodeKey() */
  key: string | undefined;
  /** dottedName(): null when the node is no dotted name */
  dotted: string | null | undefined;
}

/** The part of a tree-sitter node (native or wasm binding) that `copyNodes` reads. */
export interface SourceNode {
  readonly type: string;
  readonly isNamed: boolean;
  readonly isMissing: boolean;
  readonly hasError: boolean;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly children: readonly (SourceNode | null)[];
  fieldNameForChild(index: number): string | null | undefined;
}

/**
 * Copies a tree node by node through a binding's node API: slow (several calls across the boundary per
 * node), but it sees everything, MISSING tokens and `hasError` included. For trees with syntax errors.
 */
export function copyNodes(tree: Tree, nativeRoot: SourceNode): SyntaxNode {
  const copy = (n: SourceNode): SyntaxNode => {
    const out = SyntaxNode.create(tree, n.type, n.isNamed, n.isMissing, n.startIndex, n.endIndex);
    out.hasError = n.hasError;
    return out;
  };
  const root = copy(nativeRoot);
  // an explicit stack: inputs with errors can nest deeper than the JS call stack goes
  const stack: [SourceNode, SyntaxNode][] = [[nativeRoot, root]];
  while (stack.length) {
    const [n, out] = stack.pop()!;
    const copies: SyntaxNode[] = [];
    // the field is asked by the child's index among all children, nulls (web-tree-sitter's) included
    n.children.forEach((k, i) => {
      if (!k) return;
      const c = copy(k);
      c.fieldName = n.fieldNameForChild(i) ?? null;
      copies.push(c);
      stack.push([k, c]);
    });
    if (copies.length) SyntaxNode.link(out, copies);
  }
  return root;
}
