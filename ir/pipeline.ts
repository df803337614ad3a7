/**
 * The pass pipeline's shared types. A pass is named, runs on the module IR, and talks to the rest of the
 * compiler only through its context: diagnostics, options, expression rewrites (what a cookbook rule or a
 * plugin replaces an expression with) and the construct records `c2m analyze` reports. No pass does I/O.
 */
import type { SyntaxNode } from "../grammar/python.js";
import type { DiagnosticBag } from "./diagnostics.js";
import type { ModuleIR } from "./module.js";

/**
 * A node replaced by a rule. For an expression, the translator emits `text` instead of translating the node,
 * after substituting each `$name` in it with the translation of `bindings[name]` (metavariables bind the
 * user's sub-expressions, which may hold torch code themselves; tensors among them are passed in torch's
 * layout). For a statement or a whole function definition, `text` replaces it as written (same indentation
 * as the original first line; later lines carry their own).
 */
export interface Rewrite {
  text: string;
  bindings?: Record<string, SyntaxNode>;
  /** cookbook helpers `text` calls (emitted once per file) */
  helpers?: string[];
  /** import lines `text` needs beyond mlx.core and mlx.nn */
  imports?: string[];
  /** what the replacement evaluates to, for the layout pass: a tensor in torch layout, or anything else */
  value?: "tensor" | "other";
  /** which rule made it (reported by `c2m analyze`) */
  rule: string;
}

/** How one construct of the input was handled. */
export type ConstructKind =
  /** a mapping-table row (layer, op, module method) */
  | "table"
  /** a cookbook helper pasted into the output */
  | "helper"
  /** a cookbook idiom or plugin rule */
  | "cookbook"
  /** left with a diagnostic */
  | "unsupported";

export interface ConstructRecord {
  kind: ConstructKind;
  /** torch name or rule name (`torch.nn.Conv2d`, `Tensor.view`, `rmsnorm`) or diagnostic code */
  name: string;
  /** 1-based */
  line: number;
  col: number;
}

export interface PassContext {
  readonly diags: DiagnosticBag;
  readonly options: {
    layout: "torch" | "nhwc";
    topClass?: string;
    /** in a folder compile: whether another file of the package names this class (it may build it, in torch's layout) */
    usedByOtherFiles?: (className: string) => boolean;
    /** in a folder compile: the other files of the package that name a word (paths the program reads) */
    otherFilesNaming?: (name: string) => string[];
  };
  /** nodeKey(expression) → its replacement */
  readonly rewrites: Map<string, Rewrite>;
  readonly constructs: ConstructRecord[];
}

/** Where a plugin pass goes, relative to a named pass of the pipeline. */
export type PassPlacement = { before: string } | { after: string };

export interface Pass {
  name: string;
  run(mod: ModuleIR, ctx: PassContext): void;
}

export interface PluginPass extends Pass {
  placement?: PassPlacement;
}
