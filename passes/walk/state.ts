/**
 * The state of one walk of a function body (passes/walk/): what each name holds, the layout decisions the walk
 * runs to a fixpoint of, and what it records: text edits and statement inserts, constructs for `c2m analyze`,
 * and diagnostics, which wait in the walk (only the final walk of a function reports them, flushDiagnostics).
 * The walk itself is free functions over this state, one file per concern: statements.ts, control-flow.ts,
 * call-statements.ts, expressions.ts, attributes.ts, operators.ts, calls.ts, layers.ts, module-calls.ts,
 * op-calls.ts, channels-last-forms.ts, layout-conversion.ts; fixpoint.ts runs it.
 */
import { namedChildren, type SyntaxNode } from "../../grammar/python.js";
import type { ClassIR } from "../../ir/module.js";
import type { ConstructKind, ConstructRecord } from "../../ir/pipeline.js";
import { qualify } from "../resolve-imports.js";
import type { Edit, LayoutDecision, TranslateContext, Val, WalkOptions } from "./types.js";

export class WalkState {
  readonly edits = new Map<string, Edit>();
  readonly inserts = new Map<string, { pos: number; text: string }>();
  readonly returns: Val[] = [];
  newDecision = false;
  env = new Map<string, Val>();
  /** names bound to a dict of torch factory keywords (`dd = {"device": device, "dtype": dtype}`) → its keys */
  readonly factoryDicts = new Map<string, string[]>();
  /** op calls standing as statements whose `out=` target the statement writes (passes/out-argument.ts) */
  readonly writesOut = new Set<SyntaxNode>();
  stmt: SyntaxNode | undefined;
  transposeCount = 0;

  constructor(
    readonly ctx: TranslateContext,
    readonly fn: SyntaxNode | undefined,
    readonly cls: ClassIR | undefined,
    readonly decisions: Map<string, LayoutDecision>,
    readonly opts: WalkOptions,
  ) {}

  /** Sequentials being applied (nested), and whether their items disagree on layout (sequential-layouts.ts) */
  seqDepth = 0;
  mixedLayouts = false;

  /** this walk read a signature still being computed (recursion): a later walk may read the real one */
  readUnfinishedSignature = false;

  /** a walk off the model boundary returned a value the boundary would convert: at the boundary, the walk differs */
  boundaryMatters = false;

  countTranspose(): void {
    this.transposeCount++;
  }

  overwrite(node: SyntaxNode, text: string): void {
    const key = `${node.startIndex}:${node.endIndex}`;
    // the node's own text, compared in place (no copy of it made for the comparison)
    if (text.length === node.endIndex - node.startIndex && node.tree.source.startsWith(text, node.startIndex)) {
      this.edits.delete(key);
      return;
    }
    this.edits.set(key, { start: node.startIndex, end: node.endIndex, text });
  }

  qualify(node: SyntaxNode): string | undefined {
    return qualify(node, this.ctx.mod.aliases);
  }

  /** Removes a whole line (a decorator). */
  removeLine(node: SyntaxNode): void {
    const src = this.ctx.mod.source;
    const start = src.lastIndexOf("\n", node.startIndex - 1) + 1;
    const nl = src.indexOf("\n", node.endIndex);
    this.edits.set(`${start}:${nl + 1}`, { start, end: nl < 0 ? src.length : nl + 1, text: "" });
  }

  /** Removes a statement (`pass` where it was its block's only one); a comment after it on the same line stays, at the statement's indentation. */
  dropStatement(stmt: SyntaxNode): void {
    // the only statement of its block leaves `pass` (an empty block is a syntax error)
    if (stmt.parent?.type === "block" && namedChildren(stmt.parent).length === 1) {
      this.replaceStatementRange(stmt.startIndex, stmt.endIndex, "pass");
      return;
    }
    const src = this.ctx.mod.source;
    const lineEnd = src.indexOf("\n", stmt.endIndex);
    const rest = src.slice(stmt.endIndex, lineEnd < 0 ? src.length : lineEnd);
    const comment = /^\s*#/.test(rest);
    if (comment) this.replaceStatementRange(stmt.startIndex, stmt.endIndex + rest.indexOf("#"), "");
    else this.removeLine(stmt);
  }

  private replaceStatementRange(start: number, end: number, text: string): void {
    for (const [k, ed] of this.edits) if (ed.start >= start && ed.end <= end) this.edits.delete(k);
    this.edits.set(`${start}:${end}`, { start, end, text });
  }

  replaceStatement(stmt: SyntaxNode, text: string): void {
    // drop edits inside the statement: the whole statement is replaced
    for (const [k, ed] of this.edits) if (ed.start >= stmt.startIndex && ed.end <= stmt.endIndex) this.edits.delete(k);
    this.edits.set(`${stmt.startIndex}:${stmt.endIndex}`, { start: stmt.startIndex, end: stmt.endIndex, text });
  }

  /** constructs this walk handled (only the final walk's are kept) */
  private readonly records: ConstructRecord[] = [];

  /** kind, name and position of each record, to keep one per construct */
  private readonly recorded = new Set<string>();

  record(kind: ConstructKind, name: string, node: SyntaxNode): void {
    // loop bodies are walked twice
    const key = `${kind}\0${name}\0${node.startIndex}`;
    if (this.recorded.has(key)) return;
    this.recorded.add(key);
    const at = node.startPosition;
    this.records.push({ kind, name, line: at.row + 1, col: at.column + 1 });
  }

  /** Linear layers this walk fed a channels-last flatten (only the final walk's count) */
  readonly linearNhwc = new Map<string, number>();

  /** Diagnostics wait in the walker: only the final walk of a function reports them. */
  readonly pending: { code: string; node: SyntaxNode; stmt: SyntaxNode; message: string }[] = [];

  diag(code: string, node: SyntaxNode, message: string): void {
    this.pending.push({ code, node, stmt: this.stmt ?? node, message });
  }

  /** Reports this walk's diagnostics and puts a marker comment at the end of each statement concerned. */
  flushDiagnostics(): void {
    for (const [k, c] of this.linearNhwc) this.ctx.linearNhwc.set(k, c);
    for (const p of this.pending) this.record("unsupported", p.code, p.node);
    this.ctx.constructs.push(...this.records.splice(0));
    const src = this.ctx.mod.source;
    for (const p of this.pending) {
      const d = this.ctx.diags.report(p.code, p.node.startPosition, p.message);
      let eol = src.indexOf("\n", p.stmt.endIndex);
      if (eol < 0) eol = src.length;
      const prev = this.ctx.markers.get(eol);
      const marker = `c2m: ${d.code} ${p.message}`;
      if (!prev?.includes(d.code)) this.ctx.markers.set(eol, prev ? `${prev}; ${marker}` : `  # ${marker}`);
    }
  }
}
