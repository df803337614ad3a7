/**
 * Declarations the binder records per module-level name. An import is an alias declaration: what it names
 * is found only when someone asks (ir/binder/resolve.ts), so binding a file never reads another.
 */
import type { SyntaxNode } from "../../grammar/python.js";

export type Declaration =
  | { kind: "class"; node: SyntaxNode; conditional: boolean }
  | { kind: "function"; node: SyntaxNode; conditional: boolean }
  /** `name = value` (value absent for targets of tuple unpacking, loops, `with … as`) */
  | { kind: "variable"; node: SyntaxNode; value?: SyntaxNode; conditional: boolean }
  /** `import a.b as x` binds x to module a.b; `import a.b` binds a to module a */
  | { kind: "module"; node: SyntaxNode; module: string; conditional: boolean }
  /** `from .m import name` (level: the leading dots) */
  | { kind: "from"; node: SyntaxNode; module: string; level: number; name: string; conditional: boolean };

/** `from m import *` */
export interface StarImport {
  node: SyntaxNode;
  module: string;
  level: number;
}

/** The module scope of one file. */
export interface FileScope {
  symbols: Map<string, Declaration[]>;
  stars: StarImport[];
  /** every module-level class (those inside `if`/`try` included), in source order */
  classes: SyntaxNode[];
}
