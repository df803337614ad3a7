/**
 * layout-nhwc: decides where tensors live channels-last. Each module class gets a forward signature (the
 * layouts its tensor parameters prefer and its result's layout); top-level classes keep torch's layout at
 * their boundary unless `--layout nhwc`. Then every function of the file is walked once more with the
 * decisions fixed, and the walkers' edits are what the emitter applies.
 */
import { moduleDictBase, sequentialBase } from "./named-sequential.js";
import { FLOW_BLOCK_OWNERS, namedChildren, nodeKey, type SyntaxNode } from "../grammar/python.js";
import type { ClassIR, ModuleIR } from "../ir/module.js";
import type { PassContext } from "../ir/pipeline.js";
import { fillEmptyBlocks } from "./empty-blocks.js";
import { removedImportNames, type RemovedName } from "./runtime-placeholders.js";
import { rewriteNestedImports, topLevelPlaceholders, type NestedTorchImport } from "./torch-imports.js";
import { DROPPED_DECORATORS } from "./tables/torch-runtime.js";
import { placeBuildMarkers } from "./build-markers.js";
import { WalkState } from "./walk/state.js";
import { computeSignature, forwardParamNames, runToFixpoint } from "./walk/fixpoint.js";
import type { Edit, TranslateContext, Val } from "./walk/types.js";
import { expr } from "./walk/expressions.js";
import { walkStatements } from "./walk/statements.js";

export interface LayoutResult {
  ctx: TranslateContext;
  edits: Edit[];
  inserts: { pos: number; text: string }[];
  /** module-level names a removed top-level torch import bound, as placeholders (passes/torch-imports.ts) */
  placeholders: string[];
  /** every name a removed import bound: the emitter binds those the output still reads (passes/runtime-placeholders.ts) */
  removed: Map<string, RemovedName>;
}

/**
 * The models a user builds: classes no other class of the file instantiates, and the classes the file exports
 * by name in `__all__` (transformers' `ViTModel` is both public and the backbone of `ViTForImageClassification`):
 * a user calls those with torch's layout too; so does a caller in another file of the package that names a class
 * (`usedElsewhere`, a folder compile: diffusers' unet_2d_blocks building resnet.py's ResnetBlock2D).
 */
export function topLevelClasses(mod: ModuleIR, requested?: string, usedElsewhere?: (name: string) => boolean): Set<string> {
  if (requested && mod.classes.has(requested)) return new Set([requested]);
  const used = new Set<string>();
  for (const c of mod.classes.values()) for (const u of c.uses) if (u !== c.name) used.add(u);
  const exported = mod.semantic?.exportedNames();
  return new Set([...mod.classes.keys()].filter((n) => !used.has(n) || exported?.has(n) || usedElsewhere?.(n)));
}

/** `nested`: the torch imports below the top level (passes/torch-imports.ts), taken out of the output here. */
export function layoutAndTranslate(mod: ModuleIR, pass: PassContext, nested: NestedTorchImport[] = []): LayoutResult {
  const diags = pass.diags;
  const opts = pass.options;
  const ctx: TranslateContext = {
    rewrites: pass.rewrites,
    constructs: pass.constructs,
    mod,
    diags,
    layout: opts.layout,
    topLevel: topLevelClasses(mod, opts.topClass, opts.usedByOtherFiles),
    packageBoundaries: !!opts.usedByOtherFiles,
    helpers: new Set(),
    signatures: new Map(),
    computing: new Set(),
    markers: new Map(),
    transposes: new Map(),
    chwFlatten: new Set(),
    imports: new Set(),
    linearNhwc: new Map(),
    torchLayoutLayers: new Set(),
    anyRankLayers: new Set(),
    layoutDeclarations: new Set(),
    layerValues: new Map(),
  };
  // signatures first (callees before callers happens on demand), then the final walks; a signature that
  // fails is left out: the forward is kept as written, with the diagnostic of what failed
  const failedSignatures = new Map<string, unknown>();
  for (const name of mod.classes.keys()) {
    try {
      if (!ctx.signatures.has(name)) computeSignature(ctx, name);
    } catch (err) {
      if (err instanceof RangeError) throw err;
      failedSignatures.set(name, err);
    }
  }
  const walkers: WalkState[] = [];
  const visitFunction = (fn: SyntaxNode, cls: ClassIR | undefined, nested = false) => {
    try {
      translateFunction(fn, cls, nested);
    } catch (err) {
      // the passes recurse over the tree: a nesting limit is the whole file's (C2M-E007), anything else is this function's
      if (err instanceof RangeError) throw err;
      keepAsWritten(ctx, fn, err);
    }
  };
  const translateFunction = (fn: SyntaxNode, cls: ClassIR | undefined, nested: boolean) => {
    // a rule may replace a whole function (a complex-number RoPE by its real-valued form)
    const whole = pass.rewrites.get(nodeKey(fn));
    if (whole) {
      const w = new WalkState(ctx, undefined, cls, new Map(), { boundary: false });
      w.overwrite(fn, whole.text);
      for (const h of whole.helpers ?? []) ctx.helpers.add(h);
      for (const i of whole.imports ?? []) ctx.imports.add(i);
      ctx.constructs.push({ kind: "cookbook", name: whole.rule, line: fn.startPosition.row + 1, col: fn.startPosition.column + 1 });
      walkers.push(w);
      return;
    }
    const isForward = !!cls && !nested && fn.childForFieldName("name")!.text === "forward";
    if (isForward) {
      const sig = ctx.signatures.get(cls!.name);
      // the forward's diagnostic names what failed in its signature, not the signature's absence
      if (!sig) throw failedSignatures.get(cls!.name) ?? new Error(`no forward signature for '${cls!.name}'`);
      const params = new Map<string, Val>();
      forwardParamNames(fn).forEach((n, i) => {
        const t = sig.params[i];
        if (t) params.set(n, { k: "tensor", t });
      });
      const boundary = ctx.topLevel.has(cls!.name);
      const w = runToFixpoint(ctx, fn, cls, { boundary, params, logicalReturns: sig.logicalReturns });
      ctx.transposes.set(cls!.name, w.transposeCount);
      walkers.push(w);
    } else {
      // other methods and functions take and return tensors in torch's layout
      const w = runToFixpoint(ctx, fn, cls, { boundary: ctx.layout === "torch" });
      walkers.push(w);
    }
    // nested functions: defs in the body, decorated or not, inside an if, a loop, a try or a with too (a def
    // inside another def is that one's). A def inside a method closes over its `self`: it is walked with the
    // method's class, so `self.conv1(x)` there is the class's conv (CLIP's ModifiedResNet.forward defines
    // `stem(x)` over its convs), taking and returning torch's layout as any function does
    for (const stmt of definitionsIn(fn.childForFieldName("body")!)) {
      const def = stmt.type === "decorated_definition" ? stmt.childForFieldName("definition")! : stmt;
      if (def.type === "function_definition") visitFunction(def, cls, true);
    }
  };
  const visitBody = (body: SyntaxNode, cls: ClassIR | undefined) => {
    let loose = new WalkState(ctx, undefined, cls, new Map(), { boundary: false });
    try {
      walkStatements(loose, body);
    } catch (err) {
      if (err instanceof RangeError) throw err;
      // the statements outside functions (module level, a class body) are kept as written; functions still translate
      keepAsWritten(ctx, body.parent?.type === "class_definition" ? body.parent : body, err);
      loose = new WalkState(ctx, undefined, cls, new Map(), { boundary: false });
    }
    walkers.push(loose);
    // base classes (`class RMSNorm(torch.nn.Module)`)
    const bases = body.parent?.type === "class_definition" ? body.parent.childForFieldName("superclasses") : null;
    for (const b of bases ? namedChildren(bases) : []) loose.overwrite(b, moduleDictBase(b, mod, ctx.helpers) ?? sequentialBase(cls, expr(loose, b).text, ctx.helpers));
    // definitions at this level, those inside an `if is_torch_available():`, a loop, a try or a with included
    for (const stmt of definitionsIn(body)) {
      if (stmt.type === "decorated_definition") dropTorchDecorators(stmt, loose);
      const def = stmt.type === "decorated_definition" ? stmt.childForFieldName("definition")! : stmt;
      if (def.type === "function_definition") visitFunction(def, cls);
      else if (def.type === "class_definition") visitBody(def.childForFieldName("body")!, mod.classes.get(def.childForFieldName("name")!.text));
    }
  };
  visitBody(mod.root, undefined);
  const edits: Edit[] = [];
  const inserts: { pos: number; text: string }[] = [];
  for (const w of walkers) {
    w.flushDiagnostics();
    edits.push(...w.edits.values());
    inserts.push(...w.inserts.values());
  }
  placeBuildMarkers(mod, ctx.markers);
  const importCtx = { source: mod.source, diags, markers: ctx.markers, helpers: ctx.helpers };
  edits.push(...rewriteNestedImports(nested, importCtx));
  const placeholders = topLevelPlaceholders(mod.imports, importCtx);
  return { ctx, edits: fillEmptyBlocks(mod.root, mod.source, dropNested(edits)), inserts, placeholders, removed: removedImportNames(mod, nested) };
}

/**
 * An internal error while translating one function keeps that function as written in the input, with an
 * error marker on its `def` line; the rest of the file is translated as usual.
 */
function keepAsWritten(ctx: TranslateContext, fn: SyntaxNode, err: unknown): void {
  const name =
    fn.type === "module"
      ? "the module-level statements"
      : fn.type === "class_definition"
        ? `the class body of '${fn.childForFieldName("name")!.text}'`
        : `'${fn.childForFieldName("name")?.text}'`;
  const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
  const message = `internal error while translating ${name} (${why}); ${fn.type === "function_definition" ? "the function is" : "they are"} kept as written`;
  const d = ctx.diags.report("C2M-E026", fn.startPosition, message);
  const src = ctx.mod.source;
  let eol = src.indexOf("\n", fn.startIndex);
  if (eol < 0) eol = src.length;
  const prev = ctx.markers.get(eol);
  const marker = `c2m: ${d.code} ${message}`;
  ctx.markers.set(eol, prev ? `${prev}; ${marker}` : `  # ${marker}`);
  ctx.constructs.push({ kind: "unsupported", name: d.code, line: d.line, col: d.col });
}

function dropTorchDecorators(stmt: SyntaxNode, w: WalkState): void {
  for (const dec of namedChildren(stmt).filter((c) => c.type === "decorator")) {
    const e = namedChildren(dec)[0];
    const callee = e?.type === "call" ? e.childForFieldName("function") : e;
    const q = callee ? w.qualify(callee) : undefined;
    if (q && DROPPED_DECORATORS.test(q)) w.removeLine(dec);
    // any other torch decorator runs on import: translated, or a placeholder (passes/untranslated.ts)
    else if (e && q && (q === "torch" || q.startsWith("torch."))) w.overwrite(e, expr(w, e).text);
    // a decorator of the file's or a library's given a torch name (`@wraps(torch.nn.Module.cuda)`): its arguments run on import too
    else if (e && e.descendantsOfType("identifier").some((id) => isTorchName(w.qualify(id)))) w.overwrite(e, expr(w, e).text);
  }
}

const isTorchName = (q: string | undefined) => q === "torch" || !!q?.startsWith("torch.");

/** Keeps the outermost of nested edits (a statement replaced whole wins over edits inside it). */
function dropNested(edits: Edit[]): Edit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || b.end - a.end);
  const out: Edit[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last && e.start >= last.start && e.end <= last.end) continue;
    out.push(e);
  }
  return out;
}

/** Statements that hold blocks of statements run in the same scope (a definition inside one is the scope's). */
const COMPOUND = new Set([...FLOW_BLOCK_OWNERS, "block"]);

/** The function and class definitions (decorated or not) of a block, through compound statements, not inside other definitions. */
export function definitionsIn(block: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const stmt of namedChildren(block)) {
    if (stmt.type === "function_definition" || stmt.type === "class_definition" || stmt.type === "decorated_definition") out.push(stmt);
    else if (COMPOUND.has(stmt.type)) out.push(...definitionsIn(stmt));
  }
  return out;
}
