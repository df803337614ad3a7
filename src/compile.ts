/** The compile pipeline for one Python file: parse → IR → passes → emit. */
import { firstError, parsePython, plainTreeOf, type Tree } from "../grammar/python.js";
import { python3Problem } from "../grammar/python3-check.js";
import type { ModuleIR } from "../ir/module.js";
import type { ConstructRecord, Pass, PassContext, PluginPass } from "../ir/pipeline.js";
import type { WeightMaps } from "../ir/weights.js";
import { layoutAndTranslate, type LayoutResult } from "../passes/layout-nhwc.js";
import { collectClasses } from "../passes/module-tree.js";
import { isTorchModuleClass } from "../passes/package-classes.js";
import { FileSemantics } from "../ir/binder/semantics.js";
import { memoryHost, type Host } from "../ir/program/host.js";
import { Program } from "../ir/program/program.js";
import { resolveImports } from "../passes/resolve-imports.js";
import { addNestedAliases, nestedTorchImports } from "../passes/torch-imports.js";
import { starTorchAliases } from "../passes/star-imports.js";
import { placeholdTorchLibraryImports } from "../passes/torch-library-imports.js";
import { libraryImportEdits, type TranslatedLibraries } from "../passes/library-imports.js";
import { importRootOf } from "../ir/program/import-resolver.js";
import { buildWeightMaps, type WeightConflict } from "../passes/weights.js";
import { useConvMappedTransposes, type ConvEither } from "../passes/conv-either.js";
import { emitEditsOnly, emitPython, type EmitResult } from "../emit/python.js";
import { packageProbeEdits, PROBE_HELPER } from "../passes/package-probes.js";
import { hiresSourceMap } from "../emit/sourcemap.js";
import MagicString from "magic-string";
import { DiagnosticBag, type Diagnostic } from "../ir/diagnostics.js";
import { applyRules } from "../passes/cookbook.js";
import { builtinRules, rulesPass } from "../passes/cookbook-rules.js";
import type { Plugin, Rule } from "./plugins.js";
import { verifyOutput, type PackageInfo } from "../emit/verify/index.js";
import { otherFilesNaming, usedByOtherFiles } from "./cross-file-names.js";
import { mlxApi } from "../passes/tables/index.js";
import { phase } from "../ir/phases.js";

export interface CompileOptions {
  filename?: string;
  /** layout at the model boundary: torch's (default) or MLX's channels-last */
  layout?: "torch" | "nhwc";
  /** the class users build (default: every class no other class instantiates) */
  topClass?: string;
  /** extra passes, placed before/after a named pass of the pipeline (see PIPELINE) */
  passes?: PluginPass[];
  /** cookbook rules of the user's (loadRules, defineRule); tried before the built-in cookbook */
  rules?: Rule[];
  /** plugins: their passes join `passes`, their rules join `rules` */
  plugins?: Plugin[];
  /** apply the built-in cookbook (cookbook/*.rules); default true */
  cookbook?: boolean;
  /** a folder compile: the package's module files and this file's place among them (relative imports are checked against them) */
  package?: PackageInfo;
  /**
   * the program this file belongs to (a folder compile shares one across its files); without it, a program
   * over `host`, or over this file alone
   */
  program?: Program;
  host?: Host;
  /** installed torch libraries translated with the program (src/libraries.ts): this file's imports of them point into the output */
  libraries?: TranslatedLibraries;
}

/** A program for compiling files read through `host` (src/host.ts gives one over node:fs). */
export function newProgram(host: Host): Program {
  return new Program(host, { isTorchModuleClass });
}

export interface CompileResult {
  /** empty when an error diagnostic stopped the compile */
  code: string;
  map?: EmitResult["map"];
  diagnostics: Diagnostic[];
  weightMaps: WeightMaps;
  /** transposes emitted in each class's forward */
  transposes: Record<string, number>;
  /** how each construct of the input was handled (table row, helper, cookbook rule, unsupported) */
  constructs: ConstructRecord[];
}

/**
 * The analysis passes, in order. Plugin passes go before or after any of them; `layout-nhwc` translates
 * every function (it reads the rewrites earlier passes left in the context).
 */
export const PIPELINE: readonly Pass[] = [
  {
    name: "module-tree",
    run: (mod, ctx) => {
      mod.namedByOtherFiles = ctx.options.usedByOtherFiles;
      mod.otherFilesNaming = ctx.options.otherFilesNaming;
      collectClasses(mod, ctx.diags);
    },
  },
  // the cookbook's idiom rules (issue 5) register here; plugin passes may add rewrites before layout-nhwc
  { name: "cookbook", run: (mod, ctx) => applyRules(mod, ctx, builtinRules()) },
];

export function pipelineWith(extra: PluginPass[] = []): Pass[] {
  const passes: Pass[] = [...PIPELINE, { name: "layout-nhwc", run: () => {} }];
  for (const p of extra) {
    const where = p.placement ?? { before: "layout-nhwc" };
    const anchor = "before" in where ? where.before : where.after;
    const i = passes.findIndex((q) => q.name === anchor);
    if (i < 0) throw new Error(`pass '${p.name}' is placed relative to '${anchor}', which is not a pass (${passes.map((q) => q.name).join(", ")})`);
    passes.splice("before" in where ? i : i + 1, 0, p);
  }
  return passes;
}

export function compile(source: string, options: CompileOptions = {}): CompileResult {
  const filename = options.filename ?? "<input>";
  try {
    // what no phase below claims (the glue between them) is charged here
    return phase("other", () => compileUnguarded(source, options, filename));
  } catch (err) {
    // the passes recurse over the syntax tree: pathological nesting exhausts the stack, which is an input
    // limit to report, not a crash
    if (!(err instanceof RangeError)) throw err;
    const diags = new DiagnosticBag(filename);
    diags.report("C2M-E007", { row: 0, column: 0 }, "input nests too deeply for c2m");
    return { code: "", diagnostics: diags.items, weightMaps: {}, transposes: {}, constructs: [] };
  }
}

function compileUnguarded(source: string, options: CompileOptions, filename: string): CompileResult {
  const diags = new DiagnosticBag(filename);
  const empty = { weightMaps: {}, transposes: {}, constructs: [] };
  const program = options.program ?? newProgram(options.host ?? memoryHost({ [filename]: source }));
  // a folder compile may have parsed this file already, as another file's import
  const existing = program.peek(filename);
  const known = existing?.hasTree ? existing.tree : undefined;
  const tree = known?.source === source ? known : parseInput(source);
  const err = firstError(tree.rootNode);
  if (err) {
    diags.report("C2M-E001", err.startPosition, err.isMissing ? `syntax error: missing ${err.type}` : "syntax error");
    return { code: "", diagnostics: diags.items, ...empty };
  }
  // what tree-sitter accepts and Python 3 does not (Python 2 forms, TabError) is an error too
  const py3 = phase("python 3 check", () => python3Problem(tree.rootNode, source));
  if (py3) {
    diags.report(py3.code, py3.at, py3.message);
    return { code: "", diagnostics: diags.items, ...empty };
  }
  const { aliases, imports } = resolveImports(tree.rootNode);
  // torch imports in a try, an if, a function: their names are translated like top-level ones, the imports go
  const nested = nestedTorchImports(tree.rootNode, (module) => isUserModule(program, filename, module) || inPackage(options.package, module));
  addNestedAliases(nested, aliases);
  const file = existing?.adopt(tree) ? existing : program.setFile(filename, tree);
  const semantic = new FileSemantics(program, file);
  // torch names a sibling's star import hands on (`from .activations import *` binding torch, nn, F)
  const starred = starTorchAliases(tree.rootNode, semantic);
  for (const [local, full] of starred) aliases.set(local, full);
  const mod: ModuleIR = { file: filename, source, root: tree.rootNode, aliases, imports, classes: new Map(), functions: new Map(), otherClasses: new Map(), semantic };
  placeholdTorchLibraryImports(mod, diags);
  const libraryEdits = options.libraries ? libraryImportEdits(tree.rootNode, options.libraries, diags) : [];
  // c2m rewrites torch code: a file that imports no torch, itself, through a star import or through a
  // library built on torch (an MLX file, c2m's own output), is left as it is (an empty file included); its
  // map is the identity, so that every written module has one
  if (!imports.some((i) => i.torch || i.placeholders) && !nested.length && !starred.size) {
    // ... but for its probes for an installed torch, which the port answers (passes/package-probes.ts)
    const probes = packageProbeEdits(tree.rootNode);
    if (probes.length) probes.push(...libraryEdits);
    else if (libraryEdits.length) {
      // only imports of translated libraries to point elsewhere: the file is otherwise as written
      const s = new MagicString(source);
      for (const e of libraryEdits) s.overwrite(e.start, e.end, e.text, { contentOnly: true });
      const map = hiresSourceMap(s, filename);
      const code = verified(source, s.toString(), map.mappings, new Set(), options, diags);
      return { code, map: code === s.toString() ? map : hiresSourceMap(new MagicString(code), filename), diagnostics: diags.items, ...empty };
    }
    if (probes.length) {
      const out = emitEditsOnly(source, tree.rootNode, probes, [PROBE_HELPER], filename);
      return { code: verified(source, out.code, out.map.mappings, new Set(), options, diags), map: out.map, diagnostics: diags.items, ...empty };
    }
    const checked = verified(source, source, undefined, new Set(), options, diags, { tree });
    return { code: checked, map: hiresSourceMap(new MagicString(checked), filename), diagnostics: diags.items, ...empty };
  }
  const usedElsewhere = options.package ? usedByOtherFiles(program, filename, options.package) : undefined;
  const namingFiles = options.package ? otherFilesNaming(program, filename, options.package) : undefined;
  const passOptions = { layout: options.layout ?? "torch", topClass: options.topClass, usedByOtherFiles: usedElsewhere, otherFilesNaming: namingFiles };
  const ctx: PassContext = { diags, options: passOptions, rewrites: new Map(), constructs: [] };
  let layout: LayoutResult | undefined;
  const userRules = [...(options.rules ?? []), ...(options.plugins ?? []).flatMap((p) => p.rules ?? [])];
  const extra = [...(options.passes ?? []), ...(options.plugins ?? []).flatMap((p) => p.passes ?? [])];
  if (userRules.length) extra.unshift(rulesPass("user-rules", userRules));
  for (const pass of pipelineWith(extra)) {
    if (pass.name === "cookbook" && options.cookbook === false && !(pass as PluginPass).placement) continue;
    if (pass.name === "layout-nhwc" && !(pass as PluginPass).placement) layout = phase("layout-nhwc", () => layoutAndTranslate(mod, ctx, nested));
    else phase(pass.name, () => pass.run(mod, ctx));
  }
  const conflicts: WeightConflict[] = [];
  const eithers: ConvEither[] = [];
  const weightMaps = phase("weight maps", () => buildWeightMaps(mod, [...mod.classes.keys(), ...(mod.factoryModules?.keys() ?? [])], layout!.ctx.linearNhwc, conflicts, eithers));
  for (const e of useConvMappedTransposes(eithers, mod.root, layout!)) conflicts.push({ key: e.key, call: e.transposeCall, ops: ["conv", "conv_transpose"] });
  for (const c of new Map(conflicts.map((x) => [x.call, x])).values()) {
    const message = `torch's ${c.key} converts as ${c.ops.join(" or ")} depending on the layer built here; the weight map cannot tell which the model holds`;
    const d = diags.report("C2M-E040", c.call.startPosition, message);
    // the marker on the line of the construction, as the passes write theirs
    const markers = layout!.ctx.markers;
    const eol = source.indexOf("\n", c.call.startIndex) < 0 ? source.length : source.indexOf("\n", c.call.startIndex);
    const prev = markers.get(eol);
    if (!prev?.includes(d.code)) markers.set(eol, prev ? `${prev}; c2m: ${d.code} ${message}` : `  # c2m: ${d.code} ${message}`);
  }
  // an import another pass rewrote already (a torch library's import under a `try`, raising ImportError) keeps that rewrite
  layout!.edits.push(...libraryEdits.filter((e) => !layout!.edits.some((t) => t.start < e.end && e.start < t.end)));
  const out = phase("emit", () => emitPython(mod, layout!, weightMaps, filename));
  const torchNames = new Set([...aliases].filter(([, full]) => full === "torch" || full.startsWith("torch.")).map(([local]) => local));
  return {
    code: verified(source, out.code, out.map.mappings, torchNames, options, diags, { placeholders: out.placeholders, tree: out.tree }),
    map: out.map,
    diagnostics: diags.items,
    weightMaps,
    transposes: Object.fromEntries(layout!.ctx.transposes),
    constructs: ctx.constructs,
  };
}

/** The input's parse, in two phases: tree-sitter's own, then the plain copy the passes read. */
function parseInput(source: string): Tree {
  const native = phase("parse", () => parsePython(source));
  return phase("plain tree copy", () => plainTreeOf(native, source));
}

/** Whether an absolute import from `filename` is of the user's own files (a compile of torchvision importing `torchvision.ops`), not a library's. */
function isUserModule(program: Program, filename: string, module: string): boolean {
  const at = program.resolver.resolve(filename, importRootOf(program.host, filename), module, 0);
  return (at.kind === "file" || at.kind === "namespace") && at.origin === "user";
}

/** Whether `module` (absolute) is one of the package a folder compile builds (`timm.layers` in a compile of timm/, or of a folder holding it). */
function inPackage(pkg: PackageInfo | undefined, module: string): boolean {
  const top = module.split(".")[0];
  if (!pkg) return false;
  if (pkg.name && top === pkg.name) return true;
  return pkg.files.some((f) => f === `${top}.py` || f.startsWith(`${top}/`));
}

/** The output checked against the invariants (emit/verify): each violation reported at its input position, the output marked. */
function verified(
  source: string,
  code: string,
  mappings: string | undefined,
  torchNames: ReadonlySet<string>,
  options: CompileOptions,
  diags: DiagnosticBag,
  extra: { placeholders?: ReadonlyMap<string, string>; tree?: Tree } = {},
): string {
  const result = phase("verify", () => verifyOutput({ code, mappings, api: mlxApi(), torchNames, package: options.package, source, ...extra }));
  for (const f of result.findings) diags.report(f.code, f.input, f.message);
  return result.code;
}
