/**
 * What the function-body walk (passes/walk/) works with: the abstract values it tracks per name (Val), the text
 * it makes of an expression (Gen), the edits it records, the layout decisions it is run to a fixpoint of, and
 * the state all functions of one file share (TranslateContext).
 */
import type { ForwardSignature, ModVal, ModuleIR } from "../../ir/module.js";
import type { Perm, TensorType } from "../../ir/tensor.js";
import type { DiagnosticBag } from "../../ir/diagnostics.js";
import type { ConstructRecord, Rewrite } from "../../ir/pipeline.js";

/** How a function is walked: at the model boundary (torch layout in and out), with its parameters' layouts, returning in torch layout. */
export interface WalkOptions {
  boundary: boolean;
  params?: Map<string, Val>;
  logicalReturns?: boolean;
}

export type Val =
  /** `assumed`: a parameter or loop variable taken for a tensor without evidence (no annotation, no torch op made it) */
  /** `maybeNone`: None on some path (`state = None` before a loop that sets it), so a conversion at a use is guarded */
  /** `host`: a numpy array or scalar (torch's `.numpy()`), converted where it meets MLX (./host-values.ts) */
  | { k: "tensor"; t: TensorType; def?: string; assumed?: boolean; maybeNone?: boolean; host?: boolean }
  | { k: "module"; m: ModVal }
  | { k: "shape"; t: TensorType }
  | { k: "list"; items: Val[] | null; elem?: Val }
  | { k: "num" }
  | { k: "none" }
  | { k: "other" };

export interface Gen {
  v: Val;
  text: string;
}

export interface Edit {
  start: number;
  end: number;
  text: string;
}

export interface LayoutDecision {
  perm: Perm | undefined;
  rank: number;
}

/** State shared by all functions of one file. */
export interface TranslateContext {
  mod: ModuleIR;
  diags: DiagnosticBag;
  /** layout at the model boundary */
  layout: "torch" | "nhwc";
  topLevel: Set<string>;
  /** a folder compile: a class of another file of the package keeps torch's layout at its forward (layout-nhwc.ts topLevelClasses) */
  packageBoundaries?: boolean;
  helpers: Set<string>;
  signatures: Map<string, ForwardSignature>;
  /** signatures being computed (recursion guard) */
  computing: Set<string>;
  /** per-line diagnostic markers: insert position → marker text */
  markers: Map<number, string>;
  /** transposes emitted, per class (ResNet-18's budget is checked in tests) */
  transposes: Map<string, number>;
  /** Linear layers (constructor call) fed by a channels-last flatten: their weight columns are permuted (C given) */
  linearNhwc: Map<string, number>;
  /** import lines the translated code needs beyond mlx.core and mlx.nn */
  imports: Set<string>;
  /** expression rewrites from cookbook rules and plugin passes (nodeKey → replacement) */
  rewrites: Map<string, Rewrite>;
  /** how each construct was handled (final walks only), for `c2m analyze` */
  constructs: ConstructRecord[];
  /** rank-dependent layers (constructor call) that get inputs of unknown rank: emitted as torch-layout helpers */
  torchLayoutLayers: Set<string>;
  /** channels-last layers of several ranks whose guessed rank a later use contradicted: run at any rank, in torch's layout (any-rank-layers.ts) */
  anyRankLayers: Set<string>;
  /** classes of this file that are items of a Sequential run by layout: they declare `c2m_layout` (sequential-layouts.ts) */
  layoutDeclarations: Set<string>;
  /** Flatten layers (their constructor call) that receive a channels-last value and must flatten in torch's order */
  chwFlatten: Set<string>;
  /** classes standing for torch layers passed as values (passes/layer-values.ts): name → source */
  layerValues: Map<string, string>;
  /** names bound to an Untranslated placeholder on import (module level, class bodies): a value computed from one on import is one too */
  placeholderNames?: Set<string>;
  /** attributes the file fills with plain tensors after `__init__` declares them None (plain-tensor-slots.ts) */
  plainTensorSlots?: Set<string>;
  /** module-level functions that return numpy values (torch's .numpy()): what a call of one gives (./host-values.ts) */
  hostReturns?: Map<string, Val | undefined>;
}
