/** The compile pipeline for one Python file: parse → IR → passes → emit. */
import { firstError, parsePython } from "../grammar/python.js";
import type { ModuleIR } from "../ir/module.js";
import type { WeightMaps } from "../ir/weights.js";
import { layoutAndTranslate } from "../passes/layout-nhwc.js";
import { collectClasses } from "../passes/module-tree.js";
import { resolveImports } from "../passes/resolve-imports.js";
import { buildWeightMaps } from "../passes/weights.js";
import { emitPython, type EmitResult } from "../emit/python.js";
import { DiagnosticBag, type Diagnostic } from "./diagnostics.js";

export interface CompileOptions {
  filename?: string;
  /** layout at the model boundary: torch's (default) or MLX's channels-last */
  layout?: "torch" | "nhwc";
  /** the class users build (default: every class no other class instantiates) */
  topClass?: string;
}

export interface CompileResult {
  /** empty when an error diagnostic stopped the compile */
  code: string;
  map?: EmitResult["map"];
  diagnostics: Diagnostic[];
  weightMaps: WeightMaps;
  /** transposes emitted in each class's forward */
  transposes: Record<string, number>;
}

export function compile(source: string, options: CompileOptions = {}): CompileResult {
  const filename = options.filename ?? "<input>";
  const diags = new DiagnosticBag(filename);
  const tree = parsePython(source);
  const err = firstError(tree.rootNode);
  if (err) {
    diags.report("C2M-E001", err.startPosition, err.isMissing ? `syntax error: missing ${err.type}` : "syntax error");
    return { code: "", diagnostics: diags.items, weightMaps: {}, transposes: {} };
  }
  const { aliases, imports } = resolveImports(tree.rootNode);
  // c2m rewrites torch code: a file that imports no torch (an MLX file, c2m's own output) is left as it is
  if (!imports.some((i) => i.torch)) return { code: source, diagnostics: diags.items, weightMaps: {}, transposes: {} };
  const mod: ModuleIR = { file: filename, source, root: tree.rootNode, aliases, imports, classes: new Map(), functions: new Map(), otherClasses: new Map() };
  collectClasses(mod);
  const layout = layoutAndTranslate(mod, diags, { layout: options.layout ?? "torch", topClass: options.topClass });
  const weightMaps = buildWeightMaps(mod, diags, mod.classes.keys(), layout.ctx.linearNhwc);
  const out = emitPython(mod, layout, weightMaps, filename);
  return {
    code: out.code,
    map: out.map,
    diagnostics: diags.items,
    weightMaps,
    transposes: Object.fromEntries(layout.ctx.transposes),
  };
}
