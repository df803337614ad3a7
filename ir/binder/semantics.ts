/**
 * The binder's answers about one file, in the form the passes ask them: what a module-level name is, what
 * a class of the file is. Built by whoever makes the program (src/compile.ts); passes hold it on ModuleIR.
 */
import type { SyntaxNode } from "../../grammar/python.js";
import type { Program } from "../program/program.js";
import type { SourceFile } from "../program/source-file.js";
import { classKind, type ClassKind } from "./classes.js";
import { declaredAll, lookupName, memberOf, resolveExpression, type Resolved } from "./resolve.js";

export class FileSemantics {
  constructor(
    readonly program: Program,
    readonly file: SourceFile,
  ) {}

  /** What a class defined in this file, or one a name resolved to, is. */
  classKind(node: SyntaxNode, file: SourceFile = this.file): ClassKind {
    return classKind(this.program, file, node);
  }

  /** The names the file exports in a literal `__all__`, or undefined where it declares none (or not as a literal). */
  exportedNames(): ReadonlySet<string> | undefined {
    return declaredAll(this.file);
  }

  /** What module-level `name` refers to, following imports across files. */
  resolveName(name: string): Resolved {
    return lookupName(this.program, this.file, name);
  }

  /** What an identifier or attribute chain written in this file refers to. */
  resolveExpression(node: SyntaxNode): Resolved {
    return resolveExpression(this.program, this.file, node);
  }

  /** What member `name` of what `node` refers to is (`resnet.__dict__[name]`: a module's function named at run time). */
  resolveMember(node: SyntaxNode, name: string): Resolved {
    return memberOf(this.program, this.resolveExpression(node), name);
  }

  /** The semantics of another file of the same program. */
  of(file: SourceFile): FileSemantics {
    return new FileSemantics(this.program, file);
  }
}

export type { ClassKind, Resolved };
